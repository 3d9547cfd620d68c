// RedisLazyConnection: a RedisConnection that is created and started only when first needed (the
// pattern's PubSub subscriber connection opens on the first Subscribe), exactly once however many callers
// ask at the same time, and that stop() closes if it was opened and never opens.
import { Code, ConnectError } from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import type { RedisConnection, RedisConnectionState } from "./redis-connection.js";

/** A RedisConnection made by `create` and started on the first open(); see the file comment. */
export class RedisLazyConnection {
  private connection: RedisConnection | undefined;
  private opened: Promise<Redis> | undefined;
  private stopped = false;

  /** Remembers how to make the connection; creates nothing yet. */
  constructor(private readonly create: () => RedisConnection) {}

  /**
   * Creates and starts the connection on the first call. Every call resolves with its client once the first
   * connection attempt has settled: the client is then ready, or (Redis down) reconnecting in the background
   * like a started RedisConnection. Rejects UNAVAILABLE after stop().
   */
  open(): Promise<Redis> {
    if (this.stopped) return Promise.reject(new ConnectError("the redis connection is closed: the pattern has stopped", Code.Unavailable));
    if (this.opened === undefined) {
      const connection = this.create();
      this.connection = connection;
      // RedisConnection.start never rejects: a failed first attempt is logged and retried in the background.
      this.opened = connection.start().then(() => connection.client);
    }
    return this.opened;
  }

  /** Closes the connection if it was opened (also while its first attempt is in flight); never opens it. Later opens reject. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.connection?.stop();
  }

  /** The connection's state for health; undefined while it has not been opened. */
  state(): RedisConnectionState | undefined {
    return this.connection?.state();
  }
}
