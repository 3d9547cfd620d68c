// The pattern's one NATS connection: connects at start (reconnecting forever afterwards), follows
// the connection's status events to know whether it is connected, reconnecting or closed (and
// since when), logs them with the server address, and measures the round trip for health.
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { Logger } from "@prism/pattern-sdk";
import type { NatsConfig } from "./nats-config.js";
import { connectionClosed, notConnected, reconnecting, unavailable } from "./nats-errors.js";
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
  private disconnectedAt = 0;
  /** Whether close() was called (a closed connection is then no failure). */
  private stopped = false;
  private server: string;

  constructor(
    private readonly config: NatsLinkConfig,
    private readonly logger: Logger,
    /** Client name shown by the server's monitoring. */
    private readonly name: string,
  ) {
    this.address = serverList(config.url)
      .map((url) => url.replace(/\/\/[^@/]*@/, "//"))
      .join(",");
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
      case "reconnecting":
        throw reconnecting(operation, this.address, Date.now() - this.disconnectedAt);
      case "closed":
        if (this.connection && !this.stopped) throw connectionClosed(operation, this.address);
        throw notConnected(this.address);
      default:
        throw notConnected(this.address);
    }
  }

  /** Connects (one attempt bounded by connectTimeoutMs; fails with a message naming the URL). */
  async open(): Promise<NatsConnection> {
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
    let nc: NatsConnection;
    try {
      nc = await connect(options);
    } catch (error) {
      throw unavailable("connecting", this.address, error);
    }
    this.connection = nc;
    this.current = "connected";
    this.server = nc.getServer();
    this.logger.info("connected to NATS", { server: this.server });
    void this.follow(nc);
    void nc.closed().then((error) => {
      this.current = "closed";
      if (error) this.logger.error("NATS connection closed", { server: this.server, error });
    });
    return nc;
  }

  /** Closes the connection (pending outbound messages are flushed first). Safe to call twice. */
  async close(): Promise<void> {
    this.stopped = true;
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
    if (this.current === "reconnecting") input.downMs = Date.now() - this.disconnectedAt;
    if (this.current === "connected") {
      try {
        input.rttMs = await withTimeout(this.nc.rtt(), Math.max(this.config.slowRttMs * 10, this.config.connectTimeoutMs));
      } catch (error) {
        input.rttError = (error as Error).message;
      }
    }
    return assessNatsHealth(input);
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

/** The server URLs of a comma-separated `url`. */
function serverList(url: string): string[] {
  return url
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** Resolves like `promise`, or rejects once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
