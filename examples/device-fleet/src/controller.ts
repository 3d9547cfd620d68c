#!/usr/bin/env node
// The fleet's controller: lists the devices a filter matches, then sends them one command and
// prints what happened to each (DELIVERED, NOT_LISTENING, TIMEOUT or FAILED). The filter is the
// string form (`type = "sensor" and floor >= 2`); an empty filter means every device.
//
//   node examples/device-fleet/dist/controller.js --filter 'type = "sensor" and floor >= 2' --command calibrate [--url http://127.0.0.1:8980]
import { createPrismClient } from "@prism/client";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    filter: { type: "string", default: "" },
    command: { type: "string" },
    timeout: { type: "string", default: "2000" },
    url: { type: "string", default: "http://127.0.0.1:8980" },
    namespace: { type: "string", default: "default" },
  },
});
const prism = createPrismClient({ url: values.url, namespace: values.namespace });

let found = 0;
for await (const device of prism.registry.enumerate(values.filter)) {
  found++;
  process.stdout.write(`device ${device.identity} ${JSON.stringify(device.metadata)}\n`);
}
process.stdout.write(`${found} device(s) match\n`);

if (values.command !== undefined) {
  const result = await prism.registry.multicast(values.filter, values.command, { timeoutMs: Number(values.timeout) });
  for (const each of result.statuses) {
    process.stdout.write(`  ${each.identity}: ${each.status}${each.message === "" ? "" : ` (${each.message})`}\n`);
  }
  process.stdout.write(`delivered ${result.deliveredCount} of ${result.targetCount}\n`);
}
