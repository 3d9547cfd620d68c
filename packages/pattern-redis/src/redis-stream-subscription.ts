// RedisStreamSubscription: one at-least-once subscription on the namespace's Redis Stream, as a consumer
// (named by the subscription id) of a consumer group: `g:["<group>","<filter>"]` for a group, shared by
// every member on every proxy, or `s:<subscription id>` of its own for an ungrouped subscriber. It
// reads when woken (a publish here, a new entry seen by the backend's poll, a freed slot) and never
// holds more than maxInFlight unacked messages: first it claims entries of its group left unacked for
// ackWaitMs (XAUTOCLAIM, from a member that left or crashed, or its own), then reads new ones
// (XREADGROUP >). Entries of other topics are acked at once (the group's filter is not theirs). A
// message it holds past ackWaitMs stops counting against maxInFlight (it can be claimed by then). On
// close it hands every entry still pending at its consumer to the group's `orphans` consumer, idle for
// ackWaitMs already, so the other members claim them at their next pass, then deletes its consumer (an
// ungrouped subscription destroys its group).
import { type Logger, MessageQueue, type PubSubMessage, type PubSubSubscription, topicMatches } from "@prism/pattern-sdk";
import type { RedisCommandClient } from "./redis-client.js";
import { redisCall, toConnectError } from "./redis-errors.js";
import { decodeStreamEntry, type StreamEntryReply } from "./redis-stream-entry.js";

/** The consumer that holds what closed members handed back, until a member claims it. */
export const ORPHANS_CONSUMER = "orphans";

/** Most entries one pass claims or reads. */
const PASS_LIMIT = 1000;

/** What a stream subscription needs from its backend. */
export interface RedisStreamSubscriptionContext {
  /** The command connection. */
  client: RedisCommandClient;
  /** The namespace's stream key. */
  key: string;
  /** The server(s), for error messages. */
  address: string;
  /** Unacked messages are claimable after this long, in milliseconds. */
  ackWaitMs: number;
  /** Where failed passes are logged. */
  logger: Logger;
  /** Called once when the subscription has closed and handed back what it held. */
  onClosed(subscription: RedisStreamSubscription): void;
}

/** What a new subscription is. */
export interface RedisStreamSubscriptionSpec {
  /** Unique id; also the consumer name. */
  id: string;
  /** The topic filter. */
  filter: string;
  /** The consumer group's name in Redis. */
  group: string;
  /** Whether the group is this subscription's own (ungrouped): destroyed on close. */
  ownGroup: boolean;
  /** Most unacked messages held. */
  maxInFlight: number;
}

/** An at-least-once subscription on a Redis Stream consumer group; see the file comment. */
export class RedisStreamSubscription implements PubSubSubscription {
  readonly id: string;
  /** The consumer group's name in Redis. */
  readonly group: string;
  private readonly spec: RedisStreamSubscriptionSpec;
  private readonly queue: MessageQueue<PubSubMessage>;
  /** Entries delivered (queued or handed out) and not acked, by id, with when they were delivered. */
  private readonly held = new Map<string, number>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private claimDue = true;
  private closed = false;
  private failures = 0;

  /** Starts nothing: the backend created the group and wakes it. */
  constructor(
    spec: RedisStreamSubscriptionSpec,
    private readonly context: RedisStreamSubscriptionContext,
  ) {
    this.spec = spec;
    this.id = spec.id;
    this.group = spec.group;
    this.queue = new MessageQueue(spec.maxInFlight, () => void this.close());
  }

  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage> {
    const messages = this.queue[Symbol.asyncIterator]();
    return {
      next: () => messages.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Reads what is due: claims first when `claim` (or a claim is pending), then new entries; one pass at a time. */
  wake(claim = false): void {
    if (this.closed) return;
    if (claim) this.claimDue = true;
    if (this.pumping !== undefined) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Acks `messageIds` in this subscription's group; returns how many were pending there. */
  async ack(messageIds: string[]): Promise<number> {
    const ids = messageIds.filter(isStreamId);
    if (ids.length === 0) return 0;
    for (const id of ids) this.held.delete(id);
    const acked = await this.call(() => this.context.client.xack(this.context.key, this.group, ...ids));
    // Room for more.
    this.wake();
    return acked;
  }

  /** Ends the iteration, hands back what it holds and leaves the group (see the file comment). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    await this.pumping?.catch(() => {});
    try {
      await this.leave();
    } catch (error) {
      // Redis down: what it held stays pending at its consumer, and other members claim it after ackWaitMs.
      this.context.logger.warn("a closed stream subscription could not hand back its messages; they are redelivered after ackWaitMs", {
        group: this.group,
        error: toConnectError(error, this.context.address).message,
      });
    }
    this.context.onClosed(this);
  }

  /** One pass: claim (when due) and read, as long as there is room and there are entries. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        let room = this.room();
        // Acks sent through another instance or proxy XACK in Redis only: see which held ones are still pending.
        if (room <= 0 && this.held.size > 0 && !this.closed) {
          await this.forgetAckedElsewhere();
          room = this.room();
        }
        if (room <= 0 || this.closed) return;
        let delivered = 0;
        if (this.claimDue) {
          this.claimDue = false;
          delivered += await this.claim(room);
        }
        const left = this.room();
        if (left <= 0 || this.closed) return;
        const read = await this.readNew(left);
        delivered += read;
        this.failures = 0;
        if (read < left) return;
        if (delivered === 0) return;
      }
    } catch (error) {
      if (error instanceof Error && error.message.includes("NOGROUP")) {
        await this.recreateGroup();
        return;
      }
      this.failures++;
      if (this.failures === 1) {
        this.context.logger.warn("reading the namespace's stream failed; retrying at the next poll", {
          group: this.group,
          error: toConnectError(error, this.context.address).message,
        });
      }
      this.claimDue = true;
    }
  }

  /** The group (or the whole stream) is gone, as after Redis lost its data: create it again at the stream's end and read on. */
  private async recreateGroup(): Promise<void> {
    const { client, key, logger, address } = this.context;
    try {
      if (await createStreamGroup(client, key, this.group)) {
        logger.warn("the consumer group was gone (did Redis lose its data?); created it again at the stream's end", { group: this.group });
      }
    } catch (error) {
      logger.warn("re-creating a lost consumer group failed; retrying at the next poll", {
        group: this.group,
        error: toConnectError(error, address).message,
      });
    }
    this.held.clear();
    this.claimDue = true;
    this.again = true;
  }

  /** Messages that may still be delivered now: maxInFlight minus those held within their ack wait. */
  private room(): number {
    const expired = performance.now() - this.context.ackWaitMs;
    for (const [id, at] of this.held) if (at <= expired) this.held.delete(id);
    return Math.min(this.spec.maxInFlight - this.held.size, this.queue.capacity - this.queue.size, PASS_LIMIT);
  }

  /** Drops from `held` the entries no longer pending at this consumer (acked through another instance). */
  private async forgetAckedElsewhere(): Promise<void> {
    const { client, key } = this.context;
    const rows = (await this.call(() => client.xpending(key, this.group, "-", "+", this.spec.maxInFlight, this.id))) as unknown as Array<
      [string]
    >;
    const pending = new Set(rows.map(([id]) => id));
    for (const id of this.held.keys()) if (!pending.has(id)) this.held.delete(id);
  }

  /** Claims up to `count` entries of the group idle for ackWaitMs; returns how many it delivered. */
  private async claim(count: number): Promise<number> {
    const { client, key, ackWaitMs } = this.context;
    const reply = (await this.call(() =>
      client.callBuffer("XAUTOCLAIM", key, this.group, this.id, ackWaitMs, "0-0", "COUNT", count),
    )) as unknown as [string, StreamEntryReply[], string[]?];
    const entries = (reply[1] ?? []).filter((entry): entry is StreamEntryReply => Array.isArray(entry) && entry[1] !== null);
    if (entries.length === 0) return 0;
    const attempts = await this.deliveryCounts(entries.map(([id]) => String(id)));
    return this.deliver(entries, (id) => attempts.get(id) ?? 2);
  }

  /** Reads up to `count` new entries of the group; returns how many it delivered. */
  private async readNew(count: number): Promise<number> {
    const { client, key } = this.context;
    const reply = (await this.call(() =>
      client.xreadgroupBuffer("GROUP", this.group, this.id, "COUNT", count, "STREAMS", key, ">"),
    )) as unknown as Array<[string, StreamEntryReply[]]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) return 0;
    await this.deliver(entries, () => 1);
    return entries.length;
  }

  /** Delivery counts (1 = first) of entries pending at this consumer, by id. */
  private async deliveryCounts(ids: string[]): Promise<Map<string, number>> {
    const first = ids[0] as string;
    const last = ids[ids.length - 1] as string;
    const { client, key } = this.context;
    const rows = (await this.call(() => client.xpending(key, this.group, first, last, ids.length, this.id))) as unknown as Array<
      [string, string, number, number]
    >;
    return new Map(rows.map(([id, , , count]) => [id, Number(count)]));
  }

  /** Queues the entries of this subscription's topics and acks the others; returns how many were queued. */
  private async deliver(entries: StreamEntryReply[], attemptOf: (id: string) => number): Promise<number> {
    const foreign: string[] = [];
    let queued = 0;
    for (const entry of entries) {
      const id = String(entry[0]);
      const message = decodeStreamEntry(entry, attemptOf(id));
      if (message === undefined || !topicMatches(this.spec.filter, message.topic)) {
        foreign.push(id);
        continue;
      }
      if (this.closed) continue; // stays pending: handed back by close()
      this.held.set(message.messageId, performance.now());
      this.queue.push(message);
      queued++;
    }
    if (foreign.length > 0) await this.call(() => this.context.client.xack(this.context.key, this.group, ...foreign));
    return queued;
  }

  /** Hands every entry pending at this consumer to the orphans consumer, then deletes the consumer (or destroys an own group). */
  private async leave(): Promise<void> {
    const { client, key, ackWaitMs } = this.context;
    if (this.spec.ownGroup) {
      await client.xgroup("DESTROY", key, this.group);
      return;
    }
    for (;;) {
      const rows = (await client.xpending(key, this.group, "-", "+", PASS_LIMIT, this.id)) as unknown as Array<[string]>;
      if (rows.length === 0) break;
      // IDLE ackWaitMs: claimable by the other members at once; JUSTID: not counted as a delivery.
      await client.call("XCLAIM", key, this.group, ORPHANS_CONSUMER, 0, ...rows.map(([id]) => id), "IDLE", ackWaitMs, "JUSTID");
      if (rows.length < PASS_LIMIT) break;
    }
    await client.xgroup("DELCONSUMER", key, this.group, this.id);
  }

  /** Runs one Redis call; a failure becomes a ConnectError (UNAVAILABLE while Redis is down). */
  private call<T>(run: () => Promise<T>): Promise<T> {
    return redisCall(this.context.address, run);
  }
}

/** Creates consumer group `group` at the end of stream `key` (and the stream if need be); false when it existed already. */
export async function createStreamGroup(client: RedisCommandClient, key: string, group: string): Promise<boolean> {
  try {
    await client.xgroup("CREATE", key, group, "$", "MKSTREAM");
    return true;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("BUSYGROUP")) return false;
    throw error;
  }
}

/** Whether `id` has the shape of a stream entry id (`<ms>-<seq>`); anything else is not acked. */
export function isStreamId(id: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(id);
}
