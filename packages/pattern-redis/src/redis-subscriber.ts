// RedisSubscriber: the channel (SUBSCRIBE) and pattern (PSUBSCRIBE) subscriptions of the dedicated
// subscriber connection, reference-counted: the first holder subscribes, the last to let go unsubscribes.
// After every reconnect it subscribes again to everything still held, in one command per kind; it does
// this itself (the client has ioredis autoResubscribe off) so that only what is held comes back.
import { Code, ConnectError } from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import { toConnectError } from "./redis-errors.js";

/** SUBSCRIBE to an exact channel, or PSUBSCRIBE to a glob pattern. */
export type SubscriptionKind = "channel" | "pattern";

/** One channel or pattern somebody holds. */
interface Held {
  /** How it is subscribed. */
  kind: SubscriptionKind;
  /** Channel name or glob pattern. */
  name: string;
  /** Holders. */
  refs: number;
  /** Settles when Redis confirmed the subscription on the current connection; undefined = not (yet) sent on it. */
  confirmed: Promise<void> | undefined;
}

/** Reference-counted subscriptions of one subscriber connection, restored after each reconnect. */
export class RedisSubscriber {
  private readonly held = new Map<string, Held>();
  private readonly onReady = (): void => this.resubscribe();
  private readonly onClose = (): void => {
    for (const entry of this.held.values()) entry.confirmed = undefined;
  };

  /** Watches `client` (made by createRedisSubscriberClient); its owner connects and closes it. */
  constructor(
    private readonly client: Redis,
    private readonly address: string,
  ) {
    if (client.options.autoResubscribe !== false) {
      throw new Error(
        "the subscriber client must have autoResubscribe off (use createRedisSubscriberClient); RedisSubscriber resubscribes itself",
      );
    }
    client.on("ready", this.onReady);
    client.on("close", this.onClose);
  }

  /** Channels and patterns currently held. */
  get size(): number {
    return this.held.size;
  }

  /**
   * Takes a reference on `name` (counted at once) and resolves once Redis confirmed the subscription;
   * rejects UNAVAILABLE while the connection is down. Every acquire, failed or not, needs one release.
   */
  acquire(kind: SubscriptionKind, name: string): Promise<void> {
    const key = heldKey(kind, name);
    let entry = this.held.get(key);
    if (!entry) {
      entry = { kind, name, refs: 0, confirmed: undefined };
      this.held.set(key, entry);
    }
    entry.refs++;
    if (this.client.status !== "ready") {
      return Promise.reject(
        new ConnectError(`redis at ${this.address} is unavailable: the subscriber connection is ${this.client.status}`, Code.Unavailable),
      );
    }
    if (entry.confirmed === undefined) this.send(kind, [entry]);
    return entry.confirmed ?? Promise.resolve();
  }

  /** Drops a reference; the last one unsubscribes (when connected; a lost connection has forgotten it anyway). */
  release(kind: SubscriptionKind, name: string): void {
    const key = heldKey(kind, name);
    const entry = this.held.get(key);
    if (!entry || --entry.refs > 0) return;
    this.held.delete(key);
    if (this.client.status !== "ready") return;
    const sent = kind === "channel" ? this.client.unsubscribe(name) : this.client.punsubscribe(name);
    // A failed UNSUBSCRIBE means the connection dropped, which unsubscribes everything.
    sent.catch(() => undefined);
  }

  /** Stops watching the client; it stays subscribed to whatever is held until its owner closes it. */
  close(): void {
    this.client.off("ready", this.onReady);
    this.client.off("close", this.onClose);
  }

  /** Subscribes again to everything held, on a fresh connection. */
  private resubscribe(): void {
    const channels: Held[] = [];
    const patterns: Held[] = [];
    for (const entry of this.held.values()) (entry.kind === "channel" ? channels : patterns).push(entry);
    if (channels.length > 0) this.send("channel", channels);
    if (patterns.length > 0) this.send("pattern", patterns);
  }

  /** Sends one SUBSCRIBE or PSUBSCRIBE for `entries`; a failure un-confirms them so the next acquire sends again. */
  private send(kind: SubscriptionKind, entries: Held[]): void {
    const names = entries.map((entry) => entry.name);
    const command = kind === "channel" ? this.client.subscribe(...names) : this.client.psubscribe(...names);
    const confirmed: Promise<void> = command.then(
      () => undefined,
      (error: unknown) => {
        for (const entry of entries) if (entry.confirmed === confirmed) entry.confirmed = undefined;
        throw toConnectError(error, this.address);
      },
    );
    // Observed by whoever acquires; a resubscription nobody waits on must not be an unhandled rejection.
    confirmed.catch(() => undefined);
    for (const entry of entries) entry.confirmed = confirmed;
  }
}

function heldKey(kind: SubscriptionKind, name: string): string {
  return `${kind === "channel" ? "c" : "p"}:${name}`;
}
