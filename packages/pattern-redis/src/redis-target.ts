// RedisTarget: what differs between the redis pattern on one server and on a Redis Cluster (cluster
// mode): the command client with the connection that starts, stops and health-checks it, the KeyValue
// backend, and how the dedicated subscriber client is made. PubSub and the registry are the same code
// over either (redis-pattern.ts).
import type { HealthReport, KeyValueBackend, Logger } from "@prism/pattern-sdk";
import type { Cluster, Redis } from "ioredis";
import { createRedisClient, type RedisClientHandle } from "./redis-client.js";
import { createRedisClusterClient } from "./redis-cluster-client.js";
import { RedisClusterConnection } from "./redis-cluster-connection.js";
import { RedisClusterKeyValue } from "./redis-cluster-keyvalue.js";
import { createRedisClusterSubscriberClient } from "./redis-cluster-subscriber-client.js";
import type { RedisConfig } from "./redis-config.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisKeyValue } from "./redis-keyvalue.js";
import { createRedisSubscriberClient } from "./redis-subscriber-client.js";

/** The command side of a redis pattern instance and how to reach its subscriber side; see the file comment. */
export type RedisTarget = (
  | {
      /** One server. */
      cluster: false;
      /** The command client: KeyValue, PUBLISH and the registry scripts run on it. */
      client: Redis;
    }
  | {
      /** A Redis Cluster. */
      cluster: true;
      /** The command client: KeyValue, PUBLISH and the registry scripts run on it. */
      client: Cluster;
    }
) &
  RedisTargetCommon;

/** What both kinds of RedisTarget have. */
export interface RedisTargetCommon {
  /** Where it points (`host:port`, comma-separated for a cluster), credential-free, for messages. */
  address: string;
  /** The URL(s) without credentials, for logs. */
  displayUrl: string;
  /** Starts, stops and health-checks the command client. */
  connection: { start(): Promise<void>; stop(): Promise<void>; health(): Promise<HealthReport> };
  /** The KeyValue backend on the command client. */
  keyvalue: KeyValueBackend;
  /** Makes the dedicated subscriber client (not connected). */
  createSubscriberClient(): RedisClientHandle;
}

/** Where a target's clients get their names and logs. */
interface TargetContext {
  /** Connection name prefix, `prism:<namespace>`. */
  name: string;
  /** Namespace key prefix. */
  keyPrefix: string;
  logger: Logger;
}

/** The target for `config.url`: one ioredis client, PING-based health. */
export function redisServerTarget(config: RedisConfig, { name, keyPrefix, logger }: TargetContext): RedisTarget {
  const { client, address, displayUrl } = createRedisClient(config, name);
  const connection = new RedisConnection({
    client,
    address,
    displayUrl,
    logger,
    slowPingMs: config.slowPingMs,
    unhealthyAfterMs: config.unhealthyAfterMs,
  });
  return {
    cluster: false,
    client,
    address,
    displayUrl,
    connection,
    keyvalue: new RedisKeyValue({ client, keyPrefix, address }),
    createSubscriberClient: () => createRedisSubscriberClient(config, `${name}:subscriber`),
  };
}

/** The target for `config.cluster`: an ioredis Cluster, CLUSTER INFO health, a subscriber that moves between nodes. */
export function redisClusterTarget(config: RedisConfig, { name, keyPrefix, logger }: TargetContext): RedisTarget {
  const { client, address, displayUrl } = createRedisClusterClient(config, name);
  const connection = new RedisClusterConnection({
    client,
    address,
    logger,
    slowPingMs: config.slowPingMs,
    unhealthyAfterMs: config.unhealthyAfterMs,
  });
  return {
    cluster: true,
    client,
    address,
    displayUrl,
    connection,
    keyvalue: new RedisClusterKeyValue({ client, keyPrefix, address }),
    createSubscriberClient: () => createRedisClusterSubscriberClient(config, `${name}:subscriber`),
  };
}
