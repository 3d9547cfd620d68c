#!/usr/bin/env node
// A terminal chat over Prism PubSub: every line you type is published to the room's topic, and
// every message on that topic is printed. Run two of them against one proxy and talk.
//
//   node examples/chat/dist/chat.js --name ada --room lobby [--url http://127.0.0.1:8980] [--namespace default]
import { createPrismClient } from "@prism/client";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    name: { type: "string", default: process.env.USER ?? "anonymous" },
    room: { type: "string", default: "lobby" },
    url: { type: "string", default: "http://127.0.0.1:8980" },
    namespace: { type: "string", default: "default" },
  },
});
const topic = `chat.${values.room}`;
const prism = createPrismClient({ url: values.url, namespace: values.namespace });

const subscription = prism.pubsub.subscribe(topic);
await subscription.ready;
process.stdout.write(`joined ${topic} as ${values.name}; type a line and press enter (Ctrl-D leaves)\n`);

const printing = (async () => {
  for await (const message of subscription) {
    const from = message.metadata.from ?? "?";
    if (from !== values.name) process.stdout.write(`<${from}> ${message.text()}\n`);
    await message.ack();
  }
})();

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== "") await prism.pubsub.publish(topic, line, { metadata: { from: values.name } });
}
subscription.close();
await printing;
