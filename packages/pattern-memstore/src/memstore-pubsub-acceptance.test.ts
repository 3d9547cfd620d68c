// The PubSub acceptance suite against MemStorePubSub, called directly through the SDK's handlers.
import { directPubSubCaller, pubSubAcceptanceSuite } from "@prism/testkit";
import { MemStorePubSub } from "./memstore-pubsub.js";

pubSubAcceptanceSuite("memstore (direct)", {
  capabilities: { guarantee: "at-most-once", groups: true, durable: false },
  setup: async () => {
    const backend = new MemStorePubSub({ subscriberBufferSize: 4096 });
    return {
      client: directPubSubCaller(backend),
      subscriptionCount: async () => backend.subscriptionCount(),
      teardown: async () => backend.close(),
    };
  },
});
