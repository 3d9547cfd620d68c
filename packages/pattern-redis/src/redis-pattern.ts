// The redis pattern definition: its config schema and a factory that serves RedisKeyValue over one
// ioredis connection per namespace, started without requiring Redis to be up, with PING-based health.
import { definePattern, type HealthReport } from "@prism/pattern-sdk";
import { createRedisClient } from "./redis-client.js";
import { redisConfigSchema, resolveKeyPrefix } from "./redis-config.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisKeyValue } from "./redis-keyvalue.js";

/** The Redis pattern: KeyValue on Redis with per-namespace key prefixes, fail-fast requests and reconnect forever. */
export const redisPattern = definePattern({
  name: "redis",
  version: "0.1.0",
  config: redisConfigSchema,
  create(config, { namespace, logger }) {
    const { client, address, displayUrl } = createRedisClient(config, `prism:${namespace}`);
    const keyPrefix = resolveKeyPrefix(config.keyPrefix, namespace);
    const connection = new RedisConnection({
      client,
      address,
      displayUrl,
      logger,
      slowPingMs: config.slowPingMs,
      unhealthyAfterMs: config.unhealthyAfterMs,
    });
    const keyvalue = new RedisKeyValue({ client, keyPrefix, address });
    logger.debug("redis pattern created", { url: displayUrl, keyPrefix });
    return {
      keyvalue,
      start: () => connection.start(),
      stop: () => connection.stop(),
      health: (): Promise<HealthReport> => connection.health(),
    };
  },
});
