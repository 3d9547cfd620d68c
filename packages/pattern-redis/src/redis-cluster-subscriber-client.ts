// Builds the subscriber client of a redis pattern in cluster mode. Classic pub/sub in a Redis Cluster
// reaches every node (a PUBLISH on any node is forwarded over the cluster bus), so one plain connection
// to any node hears every channel: this is a single-server subscriber client (redis-subscriber-client.ts)
// that starts at the first seed node and moves to the next one at each reconnect, so a node that is down
// does not hold the subscriptions down. RedisSubscriber re-subscribes on whichever node it reaches.
import { isIP } from "node:net";
import { type RedisClientHandle, reconnectDelay } from "./redis-client.js";
import { parseClusterUrls, type RedisClusterClientConfig } from "./redis-cluster-client.js";
import { createRedisSubscriberClient } from "./redis-subscriber-client.js";
import { hostPort } from "./redis-url.js";

/** Creates the cluster-mode subscriber client for `config`; it connects only when `connect()` is called. */
export function createRedisClusterSubscriberClient(config: RedisClusterClientConfig, connectionName?: string): RedisClientHandle {
  const nodes = parseClusterUrls(config.cluster);
  const handle = createRedisSubscriberClient({ ...config, url: config.cluster[0] ?? "" }, connectionName);
  const { options } = handle.client;
  options.retryStrategy = (attempt: number) => {
    // ioredis's connector reads host and port from these options at every connect: point it at the next node.
    const next = nodes[attempt % nodes.length];
    if (next !== undefined) {
      options.host = next.host;
      options.port = next.port;
      if (options.tls !== undefined) options.tls = isIP(next.host) === 0 ? { servername: next.host } : {};
    }
    return reconnectDelay(attempt, config.reconnectInitialDelayMs, config.reconnectMaxDelayMs);
  };
  const addresses = nodes.map(hostPort).join(",");
  return { client: handle.client, address: addresses, displayUrl: addresses };
}
