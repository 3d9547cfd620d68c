// RedisClusterConnection: the lifecycle of the pattern's ioredis Cluster client. Starts it without
// requiring the cluster to be up (ioredis keeps retrying in the background), logs state changes,
// closes it, and reports health from CLUSTER INFO: cluster_state:ok is HEALTHY (DEGRADED when slow),
// any other state UNHEALTHY (the cluster refuses commands), a client that is not ready DEGRADED, then
// UNHEALTHY after unhealthyAfterMs, as for a single server.
import type { HealthReport, Logger } from "@prism/pattern-sdk";
import type { Cluster } from "ioredis";
import { closeRedisClient } from "./redis-client.js";
import { assessRedisHealth } from "./redis-health.js";

/** Options of a RedisClusterConnection. */
export interface RedisClusterConnectionOptions {
  /** A Cluster created with `lazyConnect: true`. */
  client: Cluster;
  /** The seed nodes, `host:port,...`, for logs and messages. */
  address: string;
  /** Where connection state changes are logged. */
  logger: Logger;
  /** A CLUSTER INFO slower than this many milliseconds is DEGRADED. */
  slowPingMs: number;
  /** Not ready for longer than this many milliseconds is UNHEALTHY. */
  unhealthyAfterMs: number;
  /** Clock in milliseconds, injectable for tests (default Date.now). */
  now?: () => number;
}

/** What `CLUSTER INFO` says, parsed into its `name:value` lines. */
export function parseClusterInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0) info[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return info;
}

/** Connects, watches, closes and health-checks one ioredis Cluster client. */
export class RedisClusterConnection {
  /** The client this connection manages. */
  readonly client: Cluster;
  private readonly options: RedisClusterConnectionOptions;
  private readonly logger: Logger;
  private readonly now: () => number;
  private downSince: number | undefined;
  private lastError: string | undefined;
  private stopping = false;

  /** Attaches the state listeners; does not connect. */
  constructor(options: RedisClusterConnectionOptions) {
    this.client = options.client;
    this.options = options;
    this.logger = options.logger.child({ address: options.address });
    this.now = options.now ?? Date.now;
    this.downSince = this.now();
    this.client.on("ready", () => {
      this.downSince = undefined;
      this.lastError = undefined;
      this.logger.info("connected to redis cluster", { masters: this.client.nodes("master").length });
    });
    this.client.on("close", () => {
      this.downSince ??= this.now();
      if (!this.stopping) this.logger.warn(`lost the connection to redis cluster at ${options.address}; reconnecting`);
    });
    this.client.on("error", (error: Error) => {
      if (error.message !== this.lastError) this.logger.debug("redis cluster error", { error: error.message });
      this.lastError = error.message;
    });
    this.client.on("node error", (error: Error, node: string) => {
      this.logger.debug("redis cluster node error", { node, error: error.message });
    });
  }

  /** Connects; when no seed node answers, logs a warning and keeps retrying in the background instead of failing. */
  async start(): Promise<void> {
    this.downSince = this.now();
    try {
      await this.client.connect();
    } catch (error) {
      if (this.stopping) return;
      this.logger.warn(
        `redis cluster at ${this.options.address} is not reachable at start; retrying in the background, requests fail UNAVAILABLE meanwhile`,
        { error: this.lastError ?? (error instanceof Error ? error.message : String(error)) },
      );
    }
  }

  /** Closes the connections: QUIT when ready, otherwise stops retrying at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    await closeRedisClient(this.client);
  }

  /** Judges the cluster from CLUSTER INFO (see the file comment). */
  async health(): Promise<HealthReport> {
    const { address, slowPingMs, unhealthyAfterMs } = this.options;
    const state = this.client.status;
    const base = { address, state, lastError: this.lastError, slowPingMs, unhealthyAfterMs };
    if (state !== "ready") {
      const report = assessRedisHealth({ ...base, disconnectedForMs: Math.max(0, this.now() - (this.downSince ?? this.now())) });
      return { ...report, details: { ...report.details, cluster: true } };
    }
    const started = performance.now();
    let info: Record<string, string>;
    try {
      info = parseClusterInfo(String(await this.client.cluster("INFO")));
    } catch (error) {
      const report = assessRedisHealth({ ...base, pingError: error instanceof Error ? error.message : String(error) });
      return {
        ...report,
        message: `CLUSTER INFO to redis cluster at ${address} failed: ${report.details?.pingError}`,
        details: { ...report.details, cluster: true },
      };
    }
    const pingMs = Math.round(performance.now() - started);
    const clusterState = info.cluster_state ?? "unknown";
    const details: Record<string, string | number | boolean> = {
      address,
      state,
      cluster: true,
      pingMs,
      clusterState,
      masters: this.client.nodes("master").length,
    };
    for (const name of ["cluster_slots_ok", "cluster_slots_fail", "cluster_known_nodes", "cluster_size"]) {
      const value = Number(info[name]);
      if (Number.isFinite(value)) details[name.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase())] = value;
    }
    if (clusterState !== "ok") {
      return {
        status: "UNHEALTHY",
        message: `redis cluster at ${address} reports cluster_state:${clusterState}; it refuses commands until every slot is served`,
        details,
      };
    }
    if (pingMs > slowPingMs) {
      return {
        status: "DEGRADED",
        message: `CLUSTER INFO to redis cluster at ${address} took ${pingMs} ms (more than slowPingMs ${slowPingMs})`,
        details,
      };
    }
    return { status: "HEALTHY", details };
  }
}
