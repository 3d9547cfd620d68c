// Builds the dedicated subscriber client of a redis pattern's PubSub: the same connection settings as
// the command client (redis-client.ts), reconnecting forever, but with ioredis's own resubscription and
// command resending off, because RedisSubscriber re-establishes exactly what is still held after every
// reconnect (ioredis would also revive a channel whose UNSUBSCRIBE failed while Redis was down).
import { Redis } from "ioredis";
import { type RedisClientConfig, type RedisClientHandle, redisClientOptions } from "./redis-client.js";

/** Creates the subscriber client for `config`; it connects only when `connect()` is called. */
export function createRedisSubscriberClient(config: RedisClientConfig, connectionName?: string): RedisClientHandle {
  const { options, address, displayUrl } = redisClientOptions(config, connectionName);
  const client = new Redis({ ...options, autoResubscribe: false, autoResendUnfulfilledCommands: false });
  return { client, address, displayUrl };
}
