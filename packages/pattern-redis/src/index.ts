// @prism/pattern-redis: the Redis Prism pattern on ioredis (KeyValue with TTL, literal prefix scan, batches).
export { escapeRedisGlob } from "./escape-redis-glob.js";
export { createRedisClient, reconnectDelay, redisClientOptions, type RedisClientConfig, type RedisClientHandle, type RedisClientOptions } from "./redis-client.js";
export { redisConfigSchema, resolveKeyPrefix, type RedisConfig } from "./redis-config.js";
export { RedisConnection, type RedisConnectionOptions } from "./redis-connection.js";
export { toConnectError } from "./redis-errors.js";
export { assessRedisHealth, type RedisHealthInput } from "./redis-health.js";
export { RedisKeyValue, type RedisKeyValueOptions } from "./redis-keyvalue.js";
export { redisPattern } from "./redis-pattern.js";
