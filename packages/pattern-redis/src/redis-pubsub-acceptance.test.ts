// The PubSub acceptance suite against the redis pattern's PubSub on a private redis-server,
// called directly through the SDK's handlers.
import { createLogger, parseConfig, type PatternInstance } from "@prism/pattern-sdk";
import { directPubSubCaller, pubSubAcceptanceSuite, startRedisServer } from "@prism/pattern-sdk/testing";
import { redisPattern } from "./redis-pattern.js";

pubSubAcceptanceSuite("redis (direct)", {
  capabilities: { guarantee: "at-most-once", groups: true, durable: false },
  setup: async () => {
    const redis = await startRedisServer();
    const config = parseConfig(redisPattern.config, { url: redis.url, subscriberBufferSize: 8192 });
    const instance: PatternInstance = await redisPattern.create(config, {
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
        await redis.stop();
      },
    };
  },
});
