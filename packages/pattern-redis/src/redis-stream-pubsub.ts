// RedisStreamPubSub: at-least-once PubSub on Redis Streams (`guarantee: at-least-once`). Every topic of a
// namespace goes into one stream, `{<keyPrefix>stream}` (XADD, trimmed to about streamMaxLength entries;
// its keys share that hash tag, so on a cluster they live on one master and a publish is one MULTI),
// so order holds across topics and a wildcard filter needs no discovery; a subscription is a consumer
// of a consumer group (redis-stream-subscription.ts), and the group lives in Redis, so its members
// share its messages wherever they subscribe: on any instance, on any proxy. The message id is the
// entry id; an Ack reaching an instance that does not hold the subscription finds the group under
// `{<keyPrefix>stream}:sub:<subscription id>` (written at subscribe, kept alive while it is open) and
// XACKs there. Nothing blocks a connection: a publish also increments `{<keyPrefix>stream}:seq` and
// wakes the local subscriptions at once, and every streamPollMs an instance with subscriptions reads
// that counter (one small GET) and wakes them when it moved; every claim interval they also claim what
// was left unacked for ackWaitMs.
import { randomUUID } from "node:crypto";
import { Code, ConnectError, type Logger, type PubSubBackend, type SubscribeRequestOptions } from "@prism/pattern-sdk";
import type { RedisCommandClient } from "./redis-client.js";
import { redisCall, toConnectError } from "./redis-errors.js";
import type { RedisPubSubStats } from "./redis-pubsub.js";
import { streamEntryFields } from "./redis-stream-entry.js";
import { sweepStream } from "./redis-stream-sweep.js";
import { createStreamGroup, isStreamId, RedisStreamSubscription } from "./redis-stream-subscription.js";

/** Options of a RedisStreamPubSub. */
export interface RedisStreamPubSubOptions {
  /** The command connection (one server or a cluster); its owner connects and closes it. */
  client: RedisCommandClient;
  /** Namespace key prefix; the stream is `{<keyPrefix>stream}`. */
  keyPrefix: string;
  /** The server(s), named in error messages. */
  address: string;
  /** An unacked message is claimable by its group after this long, in milliseconds. */
  ackWaitMs: number;
  /** Entries the stream keeps, approximately. */
  streamMaxLength: number;
  /** How often an instance with subscriptions looks for new entries, in milliseconds. */
  pollMs: number;
  /** Where failures are logged. */
  logger: Logger;
  /** How often an instance with subscriptions sweeps what crashed instances left (redis-stream-sweep.ts), in milliseconds (default 60000). */
  sweepEveryMs?: number;
}

/** How long the key naming an open subscription's group lives without a refresh, in milliseconds (at least). */
const SUBSCRIPTION_KEY_TTL_MS = 600_000;

/** At-least-once PubSub with consumer groups shared across proxies, on a Redis Stream; see the file comment. */
export class RedisStreamPubSub implements PubSubBackend {
  readonly guarantee = "at-least-once";
  private readonly options: RedisStreamPubSubOptions;
  private readonly key: string;
  /** The counter every publish increments, polled by instances with subscriptions. */
  private readonly seqKey: string;
  private readonly open = new Set<RedisStreamSubscription>();
  private readonly claimEveryMs: number;
  private readonly subscriptionKeyTtlMs: number;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private lastSeq: string | null | undefined;
  private lastClaim = 0;
  private lastRefresh = 0;
  private lastSweep = 0;
  private published = 0;
  private closed = false;

  /** Uses the command client as it is; starts polling on the first subscribe. */
  constructor(options: RedisStreamPubSubOptions) {
    this.options = options;
    this.key = `{${options.keyPrefix}stream}`;
    this.seqKey = `${this.key}:seq`;
    this.claimEveryMs = Math.min(Math.max(options.ackWaitMs / 4, 250), 5000);
    this.subscriptionKeyTtlMs = Math.max(SUBSCRIPTION_KEY_TTL_MS, 4 * options.ackWaitMs);
  }

  /** XADDs one message (trimming the stream) and bumps the counter, in one MULTI; resolves with its entry id once Redis stored it. */
  async publish(topic: string, payload: Uint8Array, metadata: Record<string, string>): Promise<string> {
    this.checkOpen();
    const { client, streamMaxLength } = this.options;
    const fields = streamEntryFields(topic, payload, metadata, Date.now());
    const results = await this.call(() =>
      client
        .multi()
        .xadd(this.key, "MAXLEN", "~", streamMaxLength, "*", ...fields)
        .incr(this.seqKey)
        .exec(),
    );
    const [added] = results ?? [];
    if (added?.[0]) throw toConnectError(added[0], this.options.address);
    const id = added?.[1];
    if (typeof id !== "string") throw new ConnectError("redis did not store the message", Code.Internal);
    this.published++;
    for (const subscription of this.open) subscription.wake();
    return id;
  }

  /**
   * Joins (creating it at the stream's end when new) the consumer group of `group` and `topic`, or a group of
   * its own when ungrouped, and starts delivering; UNAVAILABLE while Redis is down.
   */
  async subscribe(options: SubscribeRequestOptions): Promise<RedisStreamSubscription> {
    this.checkOpen();
    const id = randomUUID();
    const ownGroup = options.group === "";
    const group = ownGroup ? `s:${id}` : `g:${JSON.stringify([options.group, options.topic])}`;
    const { client } = this.options;
    // The key first: a sweep on another instance destroys an ungrouped group whose key is missing.
    await this.call(() => client.set(this.subscriptionKey(id), group, "PX", this.subscriptionKeyTtlMs));
    await this.call(() => createStreamGroup(client, this.key, group));
    this.checkOpen();
    const subscription = new RedisStreamSubscription(
      { id, filter: options.topic, group, ownGroup, maxInFlight: options.maxInFlight },
      {
        client,
        key: this.key,
        address: this.options.address,
        ackWaitMs: this.options.ackWaitMs,
        logger: this.options.logger,
        onClosed: (closed) => this.forget(closed),
      },
    );
    this.open.add(subscription);
    if (options.signal.aborted) void subscription.close();
    else options.signal.addEventListener("abort", () => void subscription.close(), { once: true });
    this.startPolling();
    subscription.wake(true);
    return subscription;
  }

  /** Acks entry ids in the group of `subscriptionId`, held by another instance or proxy; 0 when it is unknown. */
  async ackByMessageId(messageIds: string[], subscriptionId?: string): Promise<number> {
    const ids = messageIds.filter(isStreamId);
    if (ids.length === 0 || subscriptionId === undefined || subscriptionId === "") return 0;
    const { client } = this.options;
    const group = await this.call(() => client.get(this.subscriptionKey(subscriptionId)));
    if (group === null) return 0;
    try {
      return await client.xack(this.key, group, ...ids);
    } catch (error) {
      // The group is gone (an ungrouped subscription that ended): nothing is pending any more.
      if (error instanceof Error && error.message.startsWith("NOGROUP")) return 0;
      throw toConnectError(error, this.options.address);
    }
  }

  /** Open local subscriptions. */
  subscriptionCount(): number {
    return this.open.size;
  }

  /** Counters for health details (nothing is dropped: a subscription reads only what it has room for). */
  stats(): RedisPubSubStats {
    return { subscriptions: this.open.size, published: this.published, dropped: 0, malformed: 0 };
  }

  /** Stops polling and closes every subscription (each hands back what it held). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopPolling();
    await Promise.all([...this.open].map((subscription) => subscription.close()));
  }

  /** The key naming the group of subscription `id`. */
  private subscriptionKey(id: string): string {
    return `${this.key}:sub:${id}`;
  }

  /** A closed subscription: drop it, its key, and let its group's other local members claim what it handed back. */
  private forget(closed: RedisStreamSubscription): void {
    this.open.delete(closed);
    if (this.open.size === 0) this.stopPolling();
    this.options.client.del(this.subscriptionKey(closed.id)).catch(() => {});
    for (const subscription of this.open) if (subscription.group === closed.group) subscription.wake(true);
  }

  private startPolling(): void {
    if (this.poller !== undefined || this.closed) return;
    this.poller = setInterval(() => void this.poll(), this.options.pollMs);
    this.poller.unref();
  }

  private stopPolling(): void {
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
  }

  /** One poll: wake the subscriptions when the stream moved, claim when due, and keep the subscription keys alive. */
  private async poll(): Promise<void> {
    if (this.polling || this.open.size === 0) return;
    this.polling = true;
    try {
      const now = performance.now();
      const claim = now - this.lastClaim >= this.claimEveryMs;
      if (claim) this.lastClaim = now;
      const seq = await this.options.client.get(this.seqKey);
      const moved = seq !== this.lastSeq;
      this.lastSeq = seq;
      if (moved || claim) for (const subscription of this.open) subscription.wake(claim);
      if (now - this.lastRefresh >= this.subscriptionKeyTtlMs / 4) {
        this.lastRefresh = now;
        await Promise.all(
          // SET, not PEXPIRE: it also restores a key Redis lost.
          [...this.open].map((subscription) =>
            this.options.client.set(this.subscriptionKey(subscription.id), subscription.group, "PX", this.subscriptionKeyTtlMs),
          ),
        );
      }
      if (now - this.lastSweep >= (this.options.sweepEveryMs ?? 60_000)) {
        this.lastSweep = now;
        const swept = await sweepStream(this.options.client, this.key, (id) => this.subscriptionKey(id));
        if (swept.groups + swept.consumers > 0)
          this.options.logger.info("removed what ended subscriptions of crashed instances left", { ...swept });
      }
    } catch {
      // Redis down: the subscriptions' own reads say so in the log; the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectError("the redis pattern is stopping: subscribe again", Code.Unavailable);
  }

  /** Runs one Redis call; a failure becomes a ConnectError (UNAVAILABLE while Redis is down). */
  private call<T>(run: () => Promise<T>): Promise<T> {
    return redisCall(this.options.address, run);
  }
}
