// The KeyValue acceptance suite against RedisKeyValue on a real, private redis-server, called
// directly through the SDK's handlers.
import { parseConfig } from "@prism/pattern-sdk/host";
import { directKeyValueCaller, keyValueAcceptanceSuite, startRedisServer } from "@prism/testkit";
import { createRedisClient } from "./redis-client.js";
import { redisConfigSchema, resolveKeyPrefix } from "./redis-config.js";
import { RedisKeyValue } from "./redis-keyvalue.js";

keyValueAcceptanceSuite("redis (direct)", {
  capabilities: { ttl: true, scan: true, batch: true },
  setup: async () => {
    const server = await startRedisServer();
    const { client, address } = createRedisClient(parseConfig(redisConfigSchema, { url: server.url }));
    try {
      await client.connect();
    } catch (error) {
      await server.stop();
      throw error;
    }
    const backend = new RedisKeyValue({ client, address, keyPrefix: resolveKeyPrefix("", "acceptance") });
    return {
      client: directKeyValueCaller(backend),
      teardown: async () => {
        await client.quit().catch(() => client.disconnect());
        await server.stop();
      },
    };
  },
});
