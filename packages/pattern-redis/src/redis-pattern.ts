// The redis pattern definition: its config schema and a factory that serves RedisKeyValue and
// RedisPubSub per namespace over one ioredis command connection, started without requiring Redis to be
// up, plus a dedicated pub/sub subscriber connection opened only on the first Subscribe (an instance that
// serves KeyValue or only publishes never opens it), with PING-based health. An unusable `url` fails
// create with a ConfigError for field "url", its password redacted.
import { definePattern, packageVersion, type HealthReport } from "@prism/pattern-sdk";
import { createRedisClient } from "./redis-client.js";
import { redisConfigSchema, resolveKeyPrefix } from "./redis-config.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisKeyValue } from "./redis-keyvalue.js";
import { RedisLazyConnection } from "./redis-lazy-connection.js";
import { redisPatternHealth } from "./redis-pattern-health.js";
import { RedisPubSub } from "./redis-pubsub.js";
import { createRedisSubscriberClient } from "./redis-subscriber-client.js";

/** The Redis pattern: KeyValue and at-most-once PubSub on Redis with per-namespace prefixes, fail-fast requests and reconnect forever. */
export const redisPattern = definePattern({
  name: "redis",
  version: packageVersion(import.meta.url),
  config: redisConfigSchema,
  create(config, { namespace, logger }) {
    const { client, address, displayUrl } = createRedisClient(config, `prism:${namespace}`);
    const keyPrefix = resolveKeyPrefix(config.keyPrefix, namespace);
    const connectionOptions = { address, displayUrl, slowPingMs: config.slowPingMs, unhealthyAfterMs: config.unhealthyAfterMs };
    const connection = new RedisConnection({ ...connectionOptions, client, logger });
    const subscriberConnection = new RedisLazyConnection(
      () =>
        new RedisConnection({
          ...connectionOptions,
          client: createRedisSubscriberClient(config, `prism:${namespace}:subscriber`).client,
          logger: logger.child({ connection: "subscriber" }),
        }),
    );
    const keyvalue = new RedisKeyValue({ client, keyPrefix, address });
    const pubsub = new RedisPubSub({
      client,
      openSubscriber: () => subscriberConnection.open(),
      keyPrefix,
      address,
      subscriberBufferSize: config.subscriberBufferSize,
    });
    logger.debug("redis pattern created", { url: displayUrl, keyPrefix });
    return {
      keyvalue,
      pubsub,
      start: async () => {
        await connection.start();
      },
      stop: async () => {
        pubsub.close();
        await Promise.all([subscriberConnection.stop(), connection.stop()]);
      },
      health: async (): Promise<HealthReport> =>
        redisPatternHealth(await connection.health(), subscriberConnection.state(), pubsub.stats()),
    };
  },
});
