// The PubSub acceptance suite against the nats pattern on a private nats-server, called directly
// through the SDK's handlers: core NATS (at-most-once) and JetStream (at-least-once, durable groups).
import { createLogger, parseConfig, type PatternInstance } from "@prism/pattern-sdk";
import {
  directPubSubCaller,
  pubSubAcceptanceSuite,
  startNatsServer,
  type PubSubCapabilities,
} from "@prism/pattern-sdk/testing";
import { natsPattern } from "./nats-pattern.js";

const cases: [string, Record<string, unknown>, PubSubCapabilities][] = [
  ["nats core (direct)", { subscriberBufferSize: 8192 }, { guarantee: "at-most-once", groups: true, durable: false }],
  ["nats jetstream (direct)", { jetstream: true, ackWaitMs: 2000 }, { guarantee: "at-least-once", groups: true, durable: true }],
];

for (const [name, extra, capabilities] of cases) {
  pubSubAcceptanceSuite(name, {
    capabilities,
    setup: async () => {
      const nats = await startNatsServer();
      const config = parseConfig(natsPattern.config, { url: nats.url, ...extra });
      const instance: PatternInstance = await natsPattern.create(config, {
        namespace: "acceptance",
        logger: createLogger({ write: () => {} }),
      });
      await instance.start?.();
      const pubsub = instance.pubsub!;
      return {
        client: directPubSubCaller(pubsub),
        subscriptionCount: async () => pubsub.subscriptionCount(),
        teardown: async () => {
          await instance.stop?.();
          await nats.stop();
        },
      };
    },
  });
}
