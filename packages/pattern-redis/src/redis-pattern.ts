// The redis pattern definition: its config schema and a factory that serves RedisKeyValue, RedisPubSub and
// the Multicast Registry (identities in RedisRegistryStore; multicasts over Redis pub/sub, or over NATS
// when `messaging.backend` is nats, whose client is then imported) per namespace over one ioredis command
// connection, started without requiring Redis (or NATS) to be up, plus a dedicated subscriber connection
// opened only on the first Subscribe or registry Listen and shared by both (an instance that serves
// KeyValue or only publishes never opens it), with PING-based health. An unusable `url` fails create
// with a ConfigError for field "url", its password redacted. With `cluster` (seed node URLs) it serves
// KeyValue only, on an ioredis Cluster (see redis-cluster-keyvalue.ts), with CLUSTER INFO health.
import {
  definePattern,
  type HealthReport,
  type Logger,
  type PatternInstance,
  packageVersion,
  type RegistryMessaging,
} from "@prism/pattern-sdk";
import type { NatsRegistryMessaging } from "./nats-registry-messaging.js";
import { createRedisClient } from "./redis-client.js";
import { createRedisClusterClient, isClusterConfig } from "./redis-cluster-client.js";
import { RedisClusterConnection } from "./redis-cluster-connection.js";
import { RedisClusterKeyValue } from "./redis-cluster-keyvalue.js";
import { type RedisConfig, redisConfigSchema, resolveKeyPrefix, resolveSubjectPrefix } from "./redis-config.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisKeyValue } from "./redis-keyvalue.js";
import { RedisLazyConnection } from "./redis-lazy-connection.js";
import { redisPatternHealth } from "./redis-pattern-health.js";
import { RedisPubSub } from "./redis-pubsub.js";
import { RedisRegistryMessaging } from "./redis-registry-messaging.js";
import { RedisRegistryStore } from "./redis-registry-store.js";
import { createRedisSubscriberClient } from "./redis-subscriber-client.js";
import { withRegistryMessagingHealth } from "./registry-messaging-health.js";

/** The Redis pattern: KeyValue, at-most-once PubSub and the Multicast Registry on Redis with per-namespace prefixes, fail-fast requests and reconnect forever. */
export const redisPattern = definePattern({
  name: "redis",
  version: packageVersion(import.meta.url),
  config: redisConfigSchema,
  async create(config, { namespace, logger }) {
    const keyPrefix = resolveKeyPrefix(config.keyPrefix, namespace);
    if (isClusterConfig(config)) return createClusterInstance(config, namespace, keyPrefix, logger);
    const { client, address, displayUrl } = createRedisClient(config, `prism:${namespace}`);
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
    const openSubscriber = () => subscriberConnection.open();
    const keyvalue = new RedisKeyValue({ client, keyPrefix, address });
    const pubsub = new RedisPubSub({ client, openSubscriber, keyPrefix, address, subscriberBufferSize: config.subscriberBufferSize });
    const store = new RedisRegistryStore({ client, keyPrefix, address });
    let nats: NatsRegistryMessaging | undefined;
    let redisMessaging: RedisRegistryMessaging | undefined;
    let messaging: RegistryMessaging;
    if (config.messaging.backend === "nats") {
      const { NatsRegistryMessaging } = await import("./nats-registry-messaging.js");
      nats = new NatsRegistryMessaging({
        url: config.messaging.url,
        subjectPrefix: resolveSubjectPrefix(config.messaging.subjectPrefix, namespace),
        queueCapacity: config.listenerQueue,
        connectTimeoutMs: config.connectTimeoutMs,
        reconnectWaitMs: config.messaging.reconnectWaitMs,
        name: `prism:${namespace}:registry`,
        logger: logger.child({ connection: "registry-messaging" }),
      });
      messaging = nats;
    } else {
      redisMessaging = new RedisRegistryMessaging({ client, openSubscriber, keyPrefix, address, queueCapacity: config.listenerQueue });
      messaging = redisMessaging;
    }
    logger.debug("redis pattern created", { url: displayUrl, keyPrefix, registryMessaging: config.messaging.backend });
    return {
      keyvalue,
      pubsub,
      registry: { store, messaging },
      start: async () => {
        await Promise.all([connection.start(), nats?.start()]);
      },
      stop: async () => {
        redisMessaging?.close();
        pubsub.close();
        await Promise.all([nats?.stop(), subscriberConnection.stop(), connection.stop()]);
      },
      health: async (): Promise<HealthReport> =>
        withRegistryMessagingHealth(
          redisPatternHealth(await connection.health(), subscriberConnection.state(), pubsub.stats()),
          { registryMessaging: config.messaging.backend, ...redisMessaging?.stats() },
          nats?.connectionState(),
        ),
    };
  },
});

/** The cluster-mode instance: KeyValue only (PubSub and the registry are not served on a cluster yet), health from CLUSTER INFO. */
function createClusterInstance(config: RedisConfig, namespace: string, keyPrefix: string, logger: Logger): PatternInstance {
  const { client, address, displayUrl } = createRedisClusterClient(config, `prism:${namespace}`);
  const connection = new RedisClusterConnection({
    client,
    address,
    logger,
    slowPingMs: config.slowPingMs,
    unhealthyAfterMs: config.unhealthyAfterMs,
  });
  logger.debug("redis pattern created in cluster mode (KeyValue only)", { cluster: displayUrl, keyPrefix });
  return {
    keyvalue: new RedisClusterKeyValue({ client, keyPrefix, address }),
    start: () => connection.start(),
    stop: () => connection.stop(),
    health: () => connection.health(),
  };
}
