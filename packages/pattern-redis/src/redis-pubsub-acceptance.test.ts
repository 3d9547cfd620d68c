// The PubSub acceptance suite against the redis pattern's PubSub on a private redis-server,
// called directly through the SDK's handlers.
import { directPubSubCaller, pubSubAcceptanceSuite, startPatternInstance, startRedisServer } from "@prism/testkit";
import { redisPattern } from "./redis-pattern.js";

pubSubAcceptanceSuite("redis (direct)", {
  capabilities: { guarantee: "at-most-once", groups: true, durable: false },
  setup: async () => {
    const redis = await startRedisServer();
    const started = await startPatternInstance(redisPattern, { url: redis.url, subscriberBufferSize: 8192 }, "acceptance");
    const pubsub = started.instance.pubsub!;
    return {
      client: directPubSubCaller(pubsub),
      subscriptionCount: async () => pubsub.subscriptionCount(),
      teardown: async () => {
        await started.stop();
        await redis.stop();
      },
    };
  },
});
