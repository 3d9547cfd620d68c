// The PubSub acceptance suite against the nats pattern on a private nats-server, called directly
// through the SDK's handlers: core NATS (at-most-once) and JetStream (at-least-once, durable groups).
import { directPubSubCaller, pubSubAcceptanceSuite, startNatsServer, startPatternInstance, type PubSubCapabilities } from "@prism/testkit";
import { natsPattern } from "./nats-pattern.js";

const cases: [string, Record<string, unknown>, PubSubCapabilities][] = [
  ["nats core (direct)", { subscriberBufferSize: 8192 }, { guarantee: "at-most-once", groups: true, durable: false }],
  // 1 s pulls: a member that leaves hands back what it held within about that long
  [
    "nats jetstream (direct)",
    { jetstream: true, ackWaitMs: 2000, pullExpiresMs: 1000 },
    { guarantee: "at-least-once", groups: true, durable: true },
  ],
];

for (const [name, extra, capabilities] of cases) {
  pubSubAcceptanceSuite(name, {
    capabilities,
    setup: async () => {
      const nats = await startNatsServer();
      const started = await startPatternInstance(natsPattern, { url: nats.url, ...extra }, "acceptance");
      const pubsub = started.instance.pubsub!;
      return {
        client: directPubSubCaller(pubsub),
        subscriptionCount: async () => pubsub.subscriptionCount(),
        teardown: async () => {
          await started.stop();
          await nats.stop();
        },
      };
    },
  });
}
