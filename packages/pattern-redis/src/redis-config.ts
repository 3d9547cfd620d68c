// Config schema of the redis pattern: where Redis lives, how keys (and PubSub channels) are prefixed per
// namespace, how fast requests fail while Redis is down, the thresholds of its health states, PubSub
// buffering, and how registry multicasts travel (Redis pub/sub or NATS).
import { type ConfigOf, field } from "@prism/pattern-sdk";

/** Config fields of the redis pattern, each with its documented default. */
export const redisConfigSchema = {
  // Checked by parseRedisUrl when the pattern is created, not by a schema pattern: a schema
  // mismatch would echo the value, password included.
  url: field.string(
    'Redis server URL, redis://[user:password@]host[:port][/db] or rediss:// for TLS; "" = redis://127.0.0.1:6379 ' +
      "(when cluster is empty); set url or cluster, not both",
    { default: "" },
  ),
  // Each entry is checked by parseRedisUrl too (field "cluster[i]").
  cluster: field.stringList(
    "Redis Cluster seed node URLs (redis://[user:password@]host[:port] or rediss://), any reachable master or " +
      "replica; the others are discovered. Non-empty = cluster mode (the registry then needs messaging.backend nats)",
    { default: [] },
  ),
  db: field.integer(
    "database index selected after connecting; 0 = the URL's /db, or database " +
      "0 (PubSub channels are server-wide: keyPrefix, not db, separates them)",
    { default: 0, min: 0 },
  ),
  username: field.string("ACL user name (Redis 6+); empty = the URL's user, or none", { default: "" }),
  password: field.string("password sent with AUTH; empty = the URL's password, or none", { default: "", secret: true }),
  tls: field.boolean("connect with TLS (also implied by a rediss:// URL)", { default: false }),
  keyPrefix: field.string(
    'prefix of every stored key and PubSub channel; "" = "prism:{namespace}:", ' +
      "so namespaces sharing one Redis never see each other's keys or messages",
    {
      default: "",
    },
  ),
  connectTimeoutMs: field.integer("how long one connection attempt may take, in milliseconds", { default: 2000, min: 1 }),
  commandTimeoutMs: field.integer("how long a command may wait for its reply before failing UNAVAILABLE, in milliseconds", {
    default: 2000,
    min: 1,
  }),
  maxRetriesPerRequest: field.integer("reconnections a command in flight waits through before failing UNAVAILABLE", {
    default: 1,
    min: 0,
  }),
  reconnectInitialDelayMs: field.integer(
    "first delay before reconnecting after the connection is lost, in milliseconds (doubles per attempt)",
    {
      default: 50,
      min: 1,
    },
  ),
  reconnectMaxDelayMs: field.integer("cap of the doubling reconnect delay, in milliseconds; reconnection never gives up", {
    default: 2000,
    min: 1,
  }),
  slowPingMs: field.integer("a PING slower than this many milliseconds reports DEGRADED", { default: 100, min: 1 }),
  unhealthyAfterMs: field.integer("disconnected for longer than this many milliseconds reports UNHEALTHY (DEGRADED before)", {
    default: 3000,
    min: 0,
  }),
  subscriberBufferSize: field.integer("PubSub messages buffered per subscriber before new ones are dropped (and counted)", {
    default: 1024,
    min: 1,
  }),
  guarantee: field.string<"at-most-once" | "at-least-once">(
    '"at-most-once": PubSub over Redis pub/sub (nothing stored); "at-least-once": over a Redis Stream per namespace ' +
      "with consumer groups shared by every proxy, acks and redelivery",
    { default: "at-most-once", values: ["at-most-once", "at-least-once"] },
  ),
  ackWaitMs: field.integer("at-least-once: an unacked message is redelivered (to any member of its group) after this many milliseconds", {
    default: 30_000,
    min: 100,
    max: 86_400_000,
  }),
  streamMaxLength: field.integer(
    "at-least-once: entries the namespace's stream keeps (approximately; older ones are trimmed, acked or not)",
    { default: 1_000_000, min: 1000, max: 1_000_000_000 },
  ),
  streamPollMs: field.integer(
    "at-least-once: how often an instance with subscriptions looks for entries published through other instances, in milliseconds",
    // At most a minute: a timer interval past 2^31 ms would fire every millisecond instead.
    { default: 50, min: 5, max: 60_000 },
  ),
  listenerQueue: field.integer("registry deliveries held for one slow Listen stream; past it a delivery to it is dropped (counted)", {
    default: 1024,
    min: 1,
  }),
  messaging: field.object("how a registry Multicast reaches the Listen streams of its targets, on this or another instance", {
    backend: field.string<"redis" | "nats">(
      '"redis": Redis pub/sub on this pattern\'s own connections (url above; not with cluster); "nats": NATS request/reply at messaging.url',
      { default: "redis", values: ["redis", "nats"] },
    ),
    url: field.string("NATS server URL(s), nats://host:port, comma-separated; used when backend is nats", {
      default: "nats://127.0.0.1:4222",
    }),
    subjectPrefix: field.string(
      'prefix of the NATS inbox subjects (`<prefix>.registry.inbox.<identity>`); "" = "_PRISM_REGISTRY.{namespace}", apart from PubSub subjects',
      {
        default: "",
      },
    ),
    reconnectWaitMs: field.integer("delay between NATS connection attempts, in milliseconds; reconnection never gives up", {
      default: 1000,
      min: 1,
    }),
  }),
};

/** Parsed config of the redis pattern. */
export type RedisConfig = ConfigOf<typeof redisConfigSchema>;

/** The prefix every key of `namespace` is stored under: `keyPrefix`, or "prism:{namespace}:" when it is empty. */
export function resolveKeyPrefix(keyPrefix: string, namespace: string): string {
  return keyPrefix === "" ? `prism:${namespace}:` : keyPrefix;
}

/**
 * The NATS subject prefix of `namespace`'s registry inboxes: `subjectPrefix`, or "_PRISM_REGISTRY.{namespace}" when it is
 * empty, outside the nats pattern's PubSub subjects (`prism.<namespace>.>`, which a JetStream stream captures and answers).
 */
export function resolveSubjectPrefix(subjectPrefix: string, namespace: string): string {
  return subjectPrefix === "" ? `_PRISM_REGISTRY.${namespace}` : subjectPrefix;
}
