// Cluster mode of the redis pattern: checks that exactly one of `url` and `cluster` is set, and builds
// the ioredis Cluster client from the `cluster` seed URLs with the same fail-fast options as the
// single-server client (no offline queue, command timeout, bounded retries per request) and the same
// capped exponential reconnect, forever.
import { isIP } from "node:net";
import { ConfigError } from "@prism/pattern-sdk";
import { Cluster, type ClusterOptions, type Redis } from "ioredis";
import { type RedisClientConfig, reconnectDelay } from "./redis-client.js";
import { hostPort, parseRedisUrl, type RedisUrl } from "./redis-url.js";

/** The settings the cluster client needs: the single-server ones plus the seed URLs. */
export type RedisClusterClientConfig = RedisClientConfig & { cluster: string[] };

/** A Cluster client that connects only when `connect()` is called, with where it points. */
export interface RedisClusterHandle {
  /** The ioredis Cluster client. */
  client: Cluster;
  /** The seed nodes as `host:port,host:port`, without credentials, for logs and error messages. */
  address: string;
  /** The seed URLs without credentials, comma-separated, for logs. */
  displayUrl: string;
}

/**
 * Whether the config asks for cluster mode; throws a ConfigError for field "cluster" when both `url` and
 * `cluster` are set, or when `db` is set with `cluster` (a Redis Cluster has database 0 only).
 */
export function isClusterConfig(config: Pick<RedisClusterClientConfig, "url" | "cluster" | "db">): boolean {
  if (config.cluster.length === 0) return false;
  if (config.url !== "") {
    throw new ConfigError({
      field: "cluster",
      expected: "either url or cluster",
      problem: "set either url (one Redis server) or cluster (Redis Cluster seed node URLs), not both",
    });
  }
  if (config.db !== 0) {
    throw new ConfigError({ field: "db", expected: "0 with cluster", problem: "a Redis Cluster has database 0 only: leave db at 0" });
  }
  return true;
}

/** The `host:port` name ioredis gives a cluster node in its slot table (`Cluster.slots`). */
export function clusterNodeKey(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/** Parses the seed URLs; throws a ConfigError for field "cluster[i]" (password redacted) for an unusable one or one with a /db. */
export function parseClusterUrls(urls: readonly string[]): RedisUrl[] {
  return urls.map((text, index) => {
    const field = `cluster[${index}]`;
    const url = parseRedisUrl(text, field);
    if (url.db !== 0) {
      throw new ConfigError({ field, expected: "a URL without /db", problem: "a Redis Cluster has database 0 only: drop the /db path" });
    }
    return url;
  });
}

/** Creates an ioredis Cluster for `config.cluster` that connects only when `connect()` is called. */
export function createRedisClusterClient(config: RedisClusterClientConfig, connectionName?: string): RedisClusterHandle {
  const urls = parseClusterUrls(config.cluster);
  const first = urls[0];
  if (first === undefined) throw new ConfigError({ field: "cluster", expected: "at least one seed node URL", got: [] });
  const secure = config.tls || urls.some((url) => url.secure);
  const username = config.username || first.username;
  const password = config.password || first.password;
  const redisOptions: NonNullable<ClusterOptions["redisOptions"]> = {
    connectTimeout: config.connectTimeoutMs,
    commandTimeout: config.commandTimeoutMs,
    maxRetriesPerRequest: config.maxRetriesPerRequest,
  };
  if (username !== "") redisOptions.username = username;
  if (password !== "") redisOptions.password = password;
  if (secure) redisOptions.tls = isIP(first.host) === 0 ? { servername: first.host } : {};
  if (connectionName !== undefined) redisOptions.connectionName = connectionName;
  const options: ClusterOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    scaleReads: "master",
    clusterRetryStrategy: (attempt: number) => reconnectDelay(attempt, config.reconnectInitialDelayMs, config.reconnectMaxDelayMs),
    redisOptions,
  };
  const addresses = urls.map(hostPort);
  const client = new Cluster(
    urls.map(({ host, port }) => ({ host, port })),
    options,
  );
  const scheme = secure ? "rediss" : "redis";
  return { client, address: addresses.join(","), displayUrl: addresses.map((address) => `${scheme}://${address}`).join(",") };
}
