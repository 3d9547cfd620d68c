// The redis pattern definition: its config schema and a factory that serves KeyValue, PubSub (at-most-once
// over Redis pub/sub, or at-least-once over a Redis Stream with `guarantee`, redis-stream-pubsub.ts) and
// the Multicast Registry (identities in RedisRegistryStore; multicasts over Redis pub/sub, or over NATS
// when `messaging.backend` is nats, whose client is then imported) per namespace, on one server (`url`)
// or a Redis Cluster (`cluster`, see redis-target.ts), started without requiring Redis (or NATS) to be
// up. A dedicated subscriber connection opens only on the first Subscribe or registry Listen and is
// shared by both (an instance that serves KeyValue or only publishes never opens it). On a cluster the
// registry needs NATS messaging: a PUBLISH there counts only the receivers on the node it ran on, so
// Redis pub/sub could not tell a delivered multicast from one nobody heard. An unusable `url` or
// `cluster` entry fails create with a ConfigError naming the field, its password redacted.
import { definePattern, type HealthReport, packageVersion, type RegistryMessaging } from "@prism/pattern-sdk";
import type { NatsRegistryMessaging } from "./nats-registry-messaging.js";
import { isClusterConfig } from "./redis-cluster-client.js";
import { redisConfigSchema, resolveKeyPrefix, resolveSubjectPrefix } from "./redis-config.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisLazyConnection } from "./redis-lazy-connection.js";
import { redisPatternHealth } from "./redis-pattern-health.js";
import { RedisPubSub } from "./redis-pubsub.js";
import { RedisRegistryMessaging } from "./redis-registry-messaging.js";
import { RedisRegistryStore } from "./redis-registry-store.js";
import { RedisStreamPubSub } from "./redis-stream-pubsub.js";
import { redisClusterTarget, redisServerTarget } from "./redis-target.js";
import { withRegistryMessagingHealth } from "./registry-messaging-health.js";

/** `registryMessaging` in health details of a cluster-mode instance without NATS messaging: it serves no registry. */
const CLUSTER_WITHOUT_REGISTRY = "none (cluster mode needs messaging.backend nats)";

/** The Redis pattern: KeyValue, at-most-once PubSub and the Multicast Registry on Redis (one server or a cluster) with per-namespace prefixes, fail-fast requests and reconnect forever. */
export const redisPattern = definePattern({
  name: "redis",
  version: packageVersion(import.meta.url),
  config: redisConfigSchema,
  async create(config, { namespace, logger }) {
    const keyPrefix = resolveKeyPrefix(config.keyPrefix, namespace);
    const context = { name: `prism:${namespace}`, keyPrefix, logger };
    const target = isClusterConfig(config) ? redisClusterTarget(config, context) : redisServerTarget(config, context);
    const { client, address, connection } = target;
    const subscriberConnection = new RedisLazyConnection(() => {
      const subscriber = target.createSubscriberClient();
      return new RedisConnection({
        ...subscriber,
        slowPingMs: config.slowPingMs,
        unhealthyAfterMs: config.unhealthyAfterMs,
        logger: logger.child({ connection: "subscriber" }),
      });
    });
    const openSubscriber = () => subscriberConnection.open();
    const pubsub =
      config.guarantee === "at-least-once"
        ? new RedisStreamPubSub({
            client,
            keyPrefix,
            address,
            ackWaitMs: config.ackWaitMs,
            streamMaxLength: config.streamMaxLength,
            pollMs: config.streamPollMs,
            logger: logger.child({ pubsub: "stream" }),
          })
        : new RedisPubSub({ client, openSubscriber, keyPrefix, address, subscriberBufferSize: config.subscriberBufferSize });
    let nats: NatsRegistryMessaging | undefined;
    let redisMessaging: RedisRegistryMessaging | undefined;
    let messaging: RegistryMessaging | undefined;
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
    } else if (!target.cluster) {
      redisMessaging = new RedisRegistryMessaging({
        client: target.client,
        openSubscriber,
        keyPrefix,
        address,
        queueCapacity: config.listenerQueue,
      });
      messaging = redisMessaging;
    }
    const registry = messaging && { store: new RedisRegistryStore({ client, keyPrefix, address, cluster: target.cluster }), messaging };
    logger.debug("redis pattern created", {
      url: target.displayUrl,
      cluster: target.cluster,
      keyPrefix,
      registryMessaging: registry ? config.messaging.backend : CLUSTER_WITHOUT_REGISTRY,
    });
    return {
      keyvalue: target.keyvalue,
      pubsub,
      ...(registry && { registry }),
      start: async () => {
        await Promise.all([connection.start(), nats?.start()]);
      },
      stop: async () => {
        redisMessaging?.close();
        await pubsub.close();
        await Promise.all([nats?.stop(), subscriberConnection.stop(), connection.stop()]);
      },
      health: async (): Promise<HealthReport> =>
        withRegistryMessagingHealth(
          redisPatternHealth(await connection.health(), subscriberConnection.state(), pubsub.stats()),
          { registryMessaging: registry ? config.messaging.backend : CLUSTER_WITHOUT_REGISTRY, ...redisMessaging?.stats() },
          nats?.connectionState(),
        ),
    };
  },
});
