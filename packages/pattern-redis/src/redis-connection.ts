// RedisConnection: the lifecycle of one ioredis client in a pattern. Starts it without requiring
// Redis to be up (it keeps reconnecting in the background), logs every state change with the
// address, remembers since when it is disconnected, closes it, and measures its health.
import type { HealthReport, Logger } from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import { closeRedisClient } from "./redis-client.js";
import { assessRedisHealth } from "./redis-health.js";

/** Options of a RedisConnection. */
export interface RedisConnectionOptions {
  /** A client created with `lazyConnect: true`. */
  client: Redis;
  /** `host:port` of the server, for logs and messages. */
  address: string;
  /** The server URL without credentials, named in the warning when Redis is down at start (default: the address). */
  displayUrl?: string;
  /** Where connection state changes are logged. */
  logger: Logger;
  /** A PING slower than this many milliseconds is DEGRADED. */
  slowPingMs: number;
  /** Disconnected for longer than this many milliseconds is UNHEALTHY. */
  unhealthyAfterMs: number;
  /** Clock in milliseconds, injectable for tests (default Date.now). */
  now?: () => number;
}

/** How a connection stands, without a round trip: what health reports for a connection it does not PING. */
export interface RedisConnectionState {
  /** `host:port` of the server. */
  address: string;
  /** ioredis status of the client ("connecting", "ready", "reconnecting", "end", ...). */
  state: string;
  /** Milliseconds since it was last ready; undefined while it is ready. */
  disconnectedForMs: number | undefined;
}

/** Connects, watches, closes and health-checks one ioredis client. */
export class RedisConnection {
  /** The client this connection manages. */
  readonly client: Redis;
  /** `host:port` of the server. */
  readonly address: string;
  private readonly logger: Logger;
  private readonly options: RedisConnectionOptions;
  private readonly now: () => number;
  /** When the client last stopped being ready (or when start began); undefined while ready. */
  private downSince: number;
  /** Whether the client has been ready since the last loss, i.e. whether a close is news. */
  private up = false;
  /** Whether the current outage has been logged at warn level already. */
  private outageLogged = false;
  /** Whether a reconnect attempt of the current outage has been logged at info level already. */
  private reconnectLogged = false;
  /** Message of the most recent connection error. */
  private lastError: string | undefined;
  private stopping = false;

  /** Attaches the state listeners; does not connect. */
  constructor(options: RedisConnectionOptions) {
    this.client = options.client;
    this.address = options.address;
    this.logger = options.logger.child({ address: options.address });
    this.options = options;
    this.now = options.now ?? Date.now;
    this.downSince = this.now();
    this.client.on("ready", () => this.onReady());
    this.client.on("close", () => this.onClose());
    this.client.on("error", (error: Error) => this.onError(error));
    this.client.on("reconnecting", (delayMs: number) => this.onReconnecting(delayMs));
    this.client.on("end", () => this.logger.info("redis connection closed"));
  }

  /** Connects; when Redis is down, logs a warning and keeps reconnecting in the background instead of failing. */
  async start(): Promise<void> {
    this.downSince = this.now();
    try {
      await this.client.connect();
    } catch (error) {
      // Closed by stop() before it connected: nothing to warn about.
      if (this.stopping) return;
      this.outageLogged = true;
      const url = this.options.displayUrl ?? this.address;
      this.logger.warn(`redis at ${url} is not reachable at start; reconnecting in the background, requests fail UNAVAILABLE meanwhile`, {
        url,
        error: this.lastError ?? errorMessage(error),
      });
    }
  }

  /** Closes the connection: QUIT when connected (pending replies arrive first), otherwise stops reconnecting at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    await closeRedisClient(this.client);
  }

  /** How long the client has not been ready, in milliseconds; undefined while it is ready. */
  disconnectedForMs(): number | undefined {
    return this.client.status === "ready" ? undefined : Math.max(0, this.now() - this.downSince);
  }

  /** The client's status and how long it has been down, without a round trip. */
  state(): RedisConnectionState {
    return { address: this.address, state: this.client.status, disconnectedForMs: this.disconnectedForMs() };
  }

  /** PINGs Redis when connected and judges the result with assessRedisHealth. */
  async health(): Promise<HealthReport> {
    const { slowPingMs, unhealthyAfterMs } = this.options;
    const judge = (extra: { pingMs?: number; pingError?: string }) =>
      assessRedisHealth({
        address: this.address,
        state: this.client.status,
        disconnectedForMs: this.disconnectedForMs(),
        lastError: this.lastError,
        slowPingMs,
        unhealthyAfterMs,
        ...extra,
      });
    if (this.client.status !== "ready") return judge({});
    const started = performance.now();
    try {
      await this.client.ping();
      return judge({ pingMs: Math.round(performance.now() - started) });
    } catch (error) {
      // A PING that failed because the connection just dropped is judged as a disconnection.
      return judge({ pingError: errorMessage(error) });
    }
  }

  private onReady(): void {
    const downForMs = this.now() - this.downSince;
    const wasDown = this.outageLogged;
    this.up = true;
    this.outageLogged = false;
    this.reconnectLogged = false;
    this.lastError = undefined;
    if (wasDown) this.logger.info("reconnected to redis", { downForMs });
    else this.logger.info("connected to redis");
  }

  private onClose(): void {
    if (!this.up) return;
    this.up = false;
    this.downSince = this.now();
    if (this.stopping) return;
    this.outageLogged = true;
    this.logger.warn(`lost the connection to redis at ${this.address}; reconnecting, requests fail UNAVAILABLE meanwhile`);
  }

  private onError(error: Error): void {
    const message = errorMessage(error);
    // One line per distinct error, not one per reconnect attempt.
    if (message !== this.lastError) this.logger.debug("redis connection error", { error: message });
    this.lastError = message;
  }

  private onReconnecting(delayMs: number): void {
    // The first attempt of an outage at info, the rest (every reconnectMaxDelayMs, forever) at debug.
    const level = this.reconnectLogged ? "debug" : "info";
    this.reconnectLogged = true;
    this.logger[level]("reconnecting to redis", { delayMs, lastError: this.lastError });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
