// Builds the ioredis client of a redis pattern from its config: fail-fast options (no offline
// queue, command timeout, bounded retries per request), capped exponential reconnect forever,
// and the credential-free address used in logs and error messages.
import { isIP } from "node:net";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "./redis-config.js";
import { hostPort, parseRedisUrl } from "./redis-url.js";

/** The server an empty `url` means (when `cluster` is empty too). */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The connection settings the client needs, a subset of RedisConfig. */
export type RedisClientConfig = Pick<
  RedisConfig,
  | "url"
  | "db"
  | "username"
  | "password"
  | "tls"
  | "connectTimeoutMs"
  | "commandTimeoutMs"
  | "maxRetriesPerRequest"
  | "reconnectInitialDelayMs"
  | "reconnectMaxDelayMs"
>;

/** The command connection of a redis pattern: one server's client, or a Redis Cluster's (cluster mode). */
export type RedisCommandClient = Redis | Cluster;

/** Closes a client: QUIT when ready (pending replies arrive first), otherwise stops (re)connecting at once. */
export async function closeRedisClient(client: RedisCommandClient): Promise<void> {
  if (client.status === "end") return;
  if (client.status === "ready") {
    try {
      await client.quit();
      return;
    } catch {
      // Lost meanwhile: fall through to disconnect.
    }
  }
  client.disconnect();
}

/** ioredis options plus the address they point at. */
export interface RedisClientOptions {
  /** Options for `new Redis(options)`; `lazyConnect` is set, so nothing connects until `connect()`. */
  options: RedisOptions;
  /** `host:port` of the server, without credentials, for logs and error messages. */
  address: string;
  /** The effective URL without credentials (`redis://host:port/db` or `rediss://…`), for logs. */
  displayUrl: string;
}

/** Delay before reconnect attempt `attempt` (1-based): doubling from `initialMs`, capped at `maxMs`. */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(initialMs * 2 ** Math.max(0, attempt - 1), maxMs);
}

/**
 * Translates config into ioredis options. Non-empty `username`/`password` and a nonzero `db`
 * override what the URL says; `tls` or a rediss:// URL turns TLS on. Throws a ConfigError for
 * field "url" (password redacted) when the URL is not a usable redis:// or rediss:// URL.
 */
export function redisClientOptions(config: RedisClientConfig, connectionName?: string): RedisClientOptions {
  const url = parseRedisUrl(config.url || DEFAULT_REDIS_URL);
  const secure = url.secure || config.tls;
  const { host, port } = url;
  const username = config.username || url.username;
  const password = config.password || url.password;
  const options: RedisOptions = {
    host,
    port,
    db: config.db || url.db,
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: config.connectTimeoutMs,
    commandTimeout: config.commandTimeoutMs,
    maxRetriesPerRequest: config.maxRetriesPerRequest,
    retryStrategy: (attempt: number) => reconnectDelay(attempt, config.reconnectInitialDelayMs, config.reconnectMaxDelayMs),
  };
  if (username !== "") options.username = username;
  if (password !== "") options.password = password;
  if (secure) options.tls = isIP(host) === 0 ? { servername: host } : {};
  if (connectionName !== undefined) options.connectionName = connectionName;
  const address = hostPort(url);
  return { options, address, displayUrl: `${secure ? "rediss" : "redis"}://${address}/${options.db}` };
}

/** A client that connects only when `connect()` is called, with where it points. */
export interface RedisClientHandle {
  /** The ioredis client. */
  client: Redis;
  /** `host:port` of the server, without credentials. */
  address: string;
  /** The effective URL without credentials, for logs. */
  displayUrl: string;
}

/** Creates an ioredis client for `config` that connects only when `connect()` is called. */
export function createRedisClient(config: RedisClientConfig, connectionName?: string): RedisClientHandle {
  const { options, address, displayUrl } = redisClientOptions(config, connectionName);
  return { client: new Redis(options), address, displayUrl };
}
