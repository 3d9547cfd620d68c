// The pattern's one NATS connection: connects at start, or, when no server is reachable then, keeps
// trying in the background (start does not fail; a server that refuses the credentials does fail
// it); reconnects forever once connected; follows the connection's status events to know whether it
// is connecting, connected, reconnecting or closed (and since when), logs them with the server
// address, and measures the round trip for health.
import { setTimeout as delay } from "node:timers/promises";
import {
  AuthorizationError,
  connect,
  InvalidArgumentError,
  type NatsConnection,
  type NodeConnectionOptions,
  UserAuthenticationExpiredError,
} from "@nats-io/transport-node";
import type { Logger } from "@prism/pattern-sdk";
import type { NatsConfig } from "./nats-config.js";
import { connectionClosed, connectionRefused, notConnected, notYetConnected, reconnecting } from "./nats-errors.js";
import { serverList, withoutCredentials } from "./nats-server-list.js";
import { assessNatsHealth, type LinkHealth, type LinkState, type NatsHealthInput } from "./nats-health.js";

/** The connection settings a link needs, a subset of NatsConfig. */
export type NatsLinkConfig = Pick<
  NatsConfig,
  "url" | "reconnectWaitMs" | "connectTimeoutMs" | "user" | "pass" | "token" | "slowRttMs" | "unhealthyAfterMs"
>;

/** Client pings the server this often, so a silently dead server is noticed within a few intervals. */
const PING_INTERVAL_MS = 10_000;

/** One NATS connection with its status followed. */
export class NatsLink {
  /** The configured servers without credentials, for logs and error messages. */
  readonly address: string;
  private connection: NatsConnection | undefined;
  private current: LinkState = "not started";
  /** When the connection was lost, or when start began (while connecting). */
  private disconnectedAt = 0;
  /** Why the last connection attempt failed, while connecting in the background. */
  private lastError: string | undefined;
  /** Whether close() was called (a closed connection is then no failure). */
  private stopped = false;
  /** Aborted by close(), ending the background connection attempts. */
  private readonly stopping = new AbortController();
  /** The background connection attempts, while NATS has not been reachable since start. */
  private connecting: Promise<void> | undefined;
  private server: string;

  constructor(
    private readonly config: NatsLinkConfig,
    private readonly logger: Logger,
    /** Client name shown by the server's monitoring. */
    private readonly name: string,
  ) {
    this.address = serverList(config.url).map(withoutCredentials).join(",");
    this.server = this.address;
  }

  /** The largest message (payload plus headers) the connected server accepts, once connected. */
  get maxPayload(): number | undefined {
    return this.connection?.info?.max_payload;
  }

  /** Whether the connection is up now (not before open(), while reconnecting, or once closed). */
  get connected(): boolean {
    return this.current === "connected";
  }

  /** The open connection; throws UNAVAILABLE before open() and after close(). */
  get nc(): NatsConnection {
    if (!this.connection || this.current === "closed") throw notConnected(this.address);
    return this.connection;
  }

  /**
   * Throws UNAVAILABLE naming the server unless the connection is up now, so that `operation`
   * fails fast instead of being buffered or waiting for a reply while NATS is away.
   */
  requireConnected(operation: string): void {
    switch (this.current) {
      case "connected":
        return;
      case "connecting":
        throw notYetConnected(operation, this.address, Date.now() - this.disconnectedAt, this.lastError);
      case "reconnecting":
        throw reconnecting(operation, this.address, Date.now() - this.disconnectedAt);
      case "closed":
        if (this.connection && !this.stopped) throw connectionClosed(operation, this.address);
        throw notConnected(this.address);
      default:
        throw notConnected(this.address);
    }
  }

  /**
   * Connects: one attempt, bounded by connectTimeoutMs, resolving with the connection. When no server
   * is reachable it resolves undefined instead, and keeps trying every reconnectWaitMs in the
   * background until it gets through (then calls `onLateConnect`) or close() is called. A server
   * that refuses the connection (credentials, for example) fails it with UNAVAILABLE naming the URL.
   */
  async open(onLateConnect: (nc: NatsConnection) => void): Promise<NatsConnection | undefined> {
    this.disconnectedAt = Date.now();
    try {
      return this.adopt(await connect(this.connectionOptions()));
    } catch (error) {
      if (isRefusal(error)) throw connectionRefused(this.address, error);
      this.current = "connecting";
      this.lastError = errorMessage(error);
      this.logger.warn(
        `NATS at ${this.address} is not reachable at start; connecting in the background, publish and subscribe fail UNAVAILABLE meanwhile`,
        { server: this.address, error: this.lastError },
      );
      this.connecting = this.connectLater(onLateConnect);
      return undefined;
    }
  }

  /** Closes the connection (pending outbound messages are flushed first). Safe to call twice. */
  async close(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.connecting;
    if (this.current === "connecting") this.current = "closed";
    const nc = this.connection;
    if (!nc || nc.isClosed()) return;
    try {
      await nc.drain();
    } catch {
      await nc.close();
    }
    this.current = "closed";
  }

  /** Health of the connection (see assessNatsHealth); pings the server when connected. */
  async health(): Promise<LinkHealth> {
    const input: NatsHealthInput = {
      server: this.server,
      state: this.current,
      slowRttMs: this.config.slowRttMs,
      unhealthyAfterMs: this.config.unhealthyAfterMs,
    };
    if (this.current === "reconnecting" || this.current === "connecting") input.downMs = Date.now() - this.disconnectedAt;
    if (this.current === "connecting" && this.lastError !== undefined) input.lastError = this.lastError;
    if (this.current === "connected") {
      try {
        input.rttMs = await withTimeout(this.nc.rtt(), Math.max(this.config.slowRttMs * 10, this.config.connectTimeoutMs));
      } catch (error) {
        input.rttError = (error as Error).message;
      }
    }
    return assessNatsHealth(input);
  }

  /** Tries to connect every reconnectWaitMs until it does (then hands the connection to `onConnect`) or close() is called. */
  private async connectLater(onConnect: (nc: NatsConnection) => void): Promise<void> {
    while (!this.stopped) {
      try {
        await delay(this.config.reconnectWaitMs, undefined, { signal: this.stopping.signal });
      } catch {
        return; // close() was called
      }
      let nc: NatsConnection;
      try {
        nc = await connect(this.connectionOptions());
      } catch (error) {
        const message = errorMessage(error);
        // One line per distinct error, not one per attempt; a refusal is a config problem, worth an error.
        if (message !== this.lastError) {
          if (isRefusal(error)) this.logger.error("NATS refused the connection; still trying", { server: this.address, error: message });
          else this.logger.debug("NATS is still not reachable", { server: this.address, error: message });
        }
        this.lastError = message;
        continue;
      }
      if (this.stopped) {
        await nc.close();
        return;
      }
      this.adopt(nc);
      onConnect(nc);
      return;
    }
  }

  /** Options of every connection attempt: reconnect forever once connected. */
  private connectionOptions(): NodeConnectionOptions {
    const options: NodeConnectionOptions = {
      servers: serverList(this.config.url),
      name: this.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: this.config.reconnectWaitMs,
      reconnectJitter: Math.min(100, this.config.reconnectWaitMs),
      timeout: this.config.connectTimeoutMs,
      pingInterval: PING_INTERVAL_MS,
    };
    if (this.config.user !== "") options.user = this.config.user;
    if (this.config.pass !== "") options.pass = this.config.pass;
    if (this.config.token !== "") options.token = this.config.token;
    return options;
  }

  /** Makes `nc` the link's connection: connected now, its status followed and its close noticed. */
  private adopt(nc: NatsConnection): NatsConnection {
    const late = this.current === "connecting";
    this.connection = nc;
    this.current = "connected";
    this.lastError = undefined;
    this.server = nc.getServer();
    if (late) this.logger.info("connected to NATS", { server: this.server, downMs: Date.now() - this.disconnectedAt });
    else this.logger.info("connected to NATS", { server: this.server });
    void this.follow(nc);
    void nc.closed().then((error) => {
      this.current = "closed";
      if (error) this.logger.error("NATS connection closed", { server: this.server, error });
    });
    return nc;
  }

  /** Follows status events until the connection closes. */
  private async follow(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case "disconnect":
          if (this.current === "connected") this.disconnectedAt = Date.now();
          this.current = "reconnecting";
          this.logger.warn("disconnected from NATS, reconnecting", { server: status.server });
          break;
        case "reconnecting":
          if (this.current === "connected") this.disconnectedAt = Date.now();
          if (this.current !== "closed") this.current = "reconnecting";
          break;
        case "reconnect":
          this.current = "connected";
          this.server = status.server;
          this.logger.info("reconnected to NATS", {
            server: status.server,
            downMs: Date.now() - this.disconnectedAt,
          });
          break;
        case "error":
          this.logger.warn("NATS reported an error", { server: this.server, error: status.error });
          break;
        case "staleConnection":
          this.logger.warn("NATS connection is stale (pings unanswered), reconnecting", { server: this.server });
          break;
        case "close":
          this.current = "closed";
          break;
        default:
          break;
      }
    }
  }
}

/** Whether `error` means a server answered and refused this client (credentials, options), so retrying would not help. */
function isRefusal(error: unknown): boolean {
  return error instanceof AuthorizationError || error instanceof UserAuthenticationExpiredError || error instanceof InvalidArgumentError;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves like `promise`, or rejects once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
