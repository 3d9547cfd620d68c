// @prism/pattern-redis: the Redis Prism pattern on ioredis (KeyValue with TTL, literal prefix scan, batches;
// at-most-once PubSub over Redis pub/sub).
export { escapeRedisGlob } from "./escape-redis-glob.js";
export {
  createRedisClient,
  reconnectDelay,
  redisClientOptions,
  type RedisClientConfig,
  type RedisClientHandle,
  type RedisClientOptions,
} from "./redis-client.js";
export { redisConfigSchema, resolveKeyPrefix, type RedisConfig } from "./redis-config.js";
export { RedisConnection, type RedisConnectionOptions } from "./redis-connection.js";
export { toConnectError } from "./redis-errors.js";
export { assessRedisHealth, type RedisHealthInput } from "./redis-health.js";
export { RedisKeyValue, type RedisKeyValueOptions } from "./redis-keyvalue.js";
export { redisPattern } from "./redis-pattern.js";
export { redisPatternHealth, type RedisSubscriberState } from "./redis-pattern-health.js";
export { RedisPubSub, type RedisPubSubOptions, type RedisPubSubStats } from "./redis-pubsub.js";
export { channelTopic, filterGlob, pubSubChannelPrefix, PUBSUB_CHANNEL_INFIX } from "./redis-pubsub-channel.js";
export { decodeEnvelope, encodeEnvelope, type RedisPubSubEnvelope } from "./redis-pubsub-envelope.js";
export { createRedisSubscriberClient } from "./redis-subscriber-client.js";
export { RedisSubscriber, type SubscriptionKind } from "./redis-subscriber.js";
/** The subscriptions RedisPubSub opens: the SDK's LocalSubscription, under its former name. */
export { LocalSubscription as RedisSubscription } from "@prism/pattern-sdk";
