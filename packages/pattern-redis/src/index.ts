// @prism/pattern-redis: the Redis Prism pattern on ioredis (KeyValue with TTL, literal prefix scan,
// batches; at-most-once PubSub over Redis pub/sub; the Multicast Registry with messaging over Redis pub/sub
// or NATS). The proxy runs it as `backend: redis`.
export type { RedisConfig } from "./redis-config.js";
export { redisPattern } from "./redis-pattern.js";
