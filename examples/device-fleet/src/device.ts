#!/usr/bin/env node
// A device of the fleet: registers its identity with typed metadata (kept alive by heartbeats),
// listens for commands with presence (the registration ends when the device does), and prints
// each command it receives. Ctrl-C or SIGTERM leaves the fleet.
//
//   node examples/device-fleet/dist/device.js --id sensor-1 --type sensor --floor 2 --zone a --tags temp,humidity [--url http://127.0.0.1:8980]
import { createPrismClient } from "@prism/client";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    type: { type: "string", default: "sensor" },
    floor: { type: "string", default: "0" },
    zone: { type: "string", default: "a" },
    tags: { type: "string", default: "" },
    ttl: { type: "string", default: "10000" },
    url: { type: "string", default: "http://127.0.0.1:8980" },
    namespace: { type: "string", default: "default" },
  },
});
if (values.id === undefined) {
  process.stderr.write("device: --id is required (for example --id sensor-1)\n");
  process.exit(2);
}
const identity = values.id;
const prism = createPrismClient({ url: values.url, namespace: values.namespace });
const metadata = {
  type: values.type,
  floor: Number(values.floor),
  zone: values.zone,
  tags: values.tags === "" ? [] : values.tags.split(","),
};
const registration = await prism.registry.register(identity, metadata, {
  ttlMs: Number(values.ttl),
  replace: true,
  onError: (error) => process.stderr.write(`device ${identity}: heartbeat failed: ${error.message}\n`),
});
const leaving = new AbortController();
const commands = prism.registry.listen(identity, { unregisterOnClose: true, signal: leaving.signal });
await commands.ready;
process.stdout.write(`${identity} listening (${JSON.stringify(metadata)})\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => leaving.abort());

try {
  for await (const command of commands) process.stdout.write(`${identity} got command: ${command.text()}\n`);
} catch (error) {
  if (!leaving.signal.aborted) throw error;
}
await registration.close();
process.stdout.write(`${identity} left\n`);
