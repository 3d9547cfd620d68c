// The test side of one subscription: opens Subscribe, waits for the `subscribed` event, collects the
// messages in the background, waits for them by bounded polling, acks (by hand or automatically)
// and closes by aborting the call's signal.
import type { DeliveryGuarantee, Message, SubscribeResponse } from "@prism/proto/pubsub/v1";
import { vi } from "vitest";
import type { PubSubCaller } from "./pubsub-acceptance-options.js";

/** Options of `openSubscriber`. */
export interface SubscriberOptions {
  /** Consumer group; "" or absent = every message. */
  group?: string;
  /** Unacked messages allowed in flight; 0 or absent = the pattern's default. */
  maxInFlight?: number;
  /** Ack every message as it arrives (batched, one Ack call at a time); default false. */
  autoAck?: boolean;
  /** How long to wait for the `subscribed` event, in milliseconds; default 15000. */
  readyTimeoutMs?: number;
}

/** How long `waitFor` and `waitForIds` wait by default, in milliseconds. */
const DEFAULT_WAIT_MS = 15_000;
/** How long `close` waits for the stream to end after aborting it, in milliseconds. */
const CLOSE_BOUND_MS = 10_000;

/** An open subscription as seen by a test. */
export interface PubSubSubscriber {
  /** Topic filter subscribed to. */
  readonly topic: string;
  /** Consumer group ("" = none). */
  readonly group: string;
  /** From the `subscribed` event. */
  readonly subscriptionId: string;
  /** From the `subscribed` event. */
  readonly guarantee: DeliveryGuarantee;
  /** Every message received so far, in arrival order (redeliveries included). */
  readonly messages: readonly Message[];
  /** Whether the stream has ended, by close() or otherwise. */
  readonly ended: boolean;
  /** Waits until at least `count` messages arrived; returns a copy of them. Fails early if the stream ends. */
  waitFor(count: number, timeoutMs?: number): Promise<Message[]>;
  /** Waits until every id in `messageIds` arrived at least once; returns a copy of all messages. */
  waitForIds(messageIds: readonly string[], timeoutMs?: number): Promise<Message[]>;
  /** Acks `messageIds` on this subscription; returns the `acked` count. */
  ack(...messageIds: string[]): Promise<number>;
  /** Settles auto-acks queued so far. */
  flushAcks(): Promise<void>;
  /** Settles auto-acks, aborts the call and waits (bounded) for the stream to end. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens a subscription and resolves once its `subscribed` event arrived; rethrows the call's error (e.g. INVALID_ARGUMENT) as is. */
export async function openSubscriber(client: PubSubCaller, topic: string, options: SubscriberOptions = {}): Promise<PubSubSubscriber> {
  const group = options.group ?? "";
  const controller = new AbortController();
  const events = client
    .subscribe({ topic, group, maxInFlight: options.maxInFlight ?? 0 }, { signal: controller.signal })
    [Symbol.asyncIterator]();
  const readyMs = options.readyTimeoutMs ?? DEFAULT_WAIT_MS;
  let first: Awaited<ReturnType<typeof events.next>>;
  try {
    first = await withTimeout(events.next(), readyMs, `no "subscribed" event on ${describe(topic, group)} within ${readyMs} ms`);
  } catch (error) {
    controller.abort();
    throw error;
  }
  const event = first.done ? undefined : first.value.event;
  if (event?.case !== "subscribed") {
    controller.abort();
    throw new Error(`the first event on ${describe(topic, group)} was ${event?.case ?? "the end of the stream"}, not "subscribed"`);
  }
  return new Subscriber(
    client,
    topic,
    group,
    event.value.subscriptionId,
    event.value.guarantee,
    controller,
    events,
    options.autoAck ?? false,
  );
}

/** What `openSubscriber` returns. */
class Subscriber implements PubSubSubscriber {
  readonly messages: Message[] = [];
  ended = false;
  /** Why the stream ended, when close() did not end it. */
  private failure: unknown;
  private closing = false;
  private readonly pumped: Promise<void>;
  private readonly pendingAcks: string[] = [];
  private acking: Promise<void> | undefined;

  constructor(
    private readonly client: PubSubCaller,
    readonly topic: string,
    readonly group: string,
    readonly subscriptionId: string,
    readonly guarantee: DeliveryGuarantee,
    private readonly controller: AbortController,
    events: AsyncIterator<SubscribeResponse>,
    private readonly autoAck: boolean,
  ) {
    this.pumped = this.pump(events);
  }

  async waitFor(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Message[]> {
    await this.poll(
      () => this.messages.length >= count,
      () => `${this.messages.length} of ${count} messages`,
      timeoutMs,
    );
    return [...this.messages];
  }

  async waitForIds(messageIds: readonly string[], timeoutMs = DEFAULT_WAIT_MS): Promise<Message[]> {
    const missing = (): string[] => {
      const seen = new Set(this.messages.map((message) => message.messageId));
      return messageIds.filter((id) => !seen.has(id));
    };
    await this.poll(
      () => missing().length === 0,
      () => {
        const left = missing();
        const examples = left.slice(0, 3).join(", ");
        const got = messageIds.length - left.length;
        return `${got} of ${messageIds.length} expected message ids (missing e.g. ${examples}; ${this.messages.length} in all)`;
      },
      timeoutMs,
    );
    return [...this.messages];
  }

  async ack(...messageIds: string[]): Promise<number> {
    return (await this.client.ack({ subscriptionId: this.subscriptionId, messageIds })).acked;
  }

  async flushAcks(): Promise<void> {
    while (this.acking) await this.acking;
  }

  async close(): Promise<void> {
    if (!this.closing) {
      await withTimeout(
        this.flushAcks(),
        CLOSE_BOUND_MS,
        `auto-acks of ${this.describe()} did not settle within ${CLOSE_BOUND_MS} ms`,
      ).finally(() => {
        this.closing = true;
        this.controller.abort();
      });
    }
    await withTimeout(this.pumped, CLOSE_BOUND_MS, `${this.describe()} did not end within ${CLOSE_BOUND_MS} ms of aborting it`);
  }

  /** Reads events until the stream ends; a failure is kept unless close() caused it. */
  private async pump(events: AsyncIterator<SubscribeResponse>): Promise<void> {
    try {
      for (;;) {
        const result = await events.next();
        if (result.done) break;
        const { event } = result.value;
        if (event.case !== "message") {
          this.failure ??= new Error(`${this.describe()} sent a ${event.case ?? "empty"} event after "subscribed"`);
          continue;
        }
        this.messages.push(event.value);
        if (this.autoAck) this.queueAck(event.value.messageId);
      }
    } catch (error) {
      if (!this.closing) this.failure = error;
    } finally {
      this.ended = true;
    }
  }

  private queueAck(messageId: string): void {
    this.pendingAcks.push(messageId);
    this.acking ??= this.sendAcks();
  }

  /** Sends queued acks, one Ack call at a time, until none are left. */
  private async sendAcks(): Promise<void> {
    try {
      while (this.pendingAcks.length > 0 && !this.closing) {
        const messageIds = this.pendingAcks.splice(0);
        try {
          await this.client.ack({ subscriptionId: this.subscriptionId, messageIds });
        } catch (error) {
          if (!this.closing) this.failure ??= error;
        }
      }
    } finally {
      this.acking = undefined;
    }
  }

  /** Polls `done` (bounded); fails at once when the stream has ended or failed, else after `timeoutMs` with `progress()`. */
  private async poll(done: () => boolean, progress: () => string, timeoutMs: number): Promise<void> {
    const outcome = await vi.waitFor(
      () => {
        if (done()) return "done";
        if (this.ended || this.failure !== undefined) return "ended";
        throw new Error(`${this.describe()} received ${progress()} within ${timeoutMs} ms`);
      },
      { timeout: timeoutMs, interval: 10 },
    );
    if (outcome === "ended") {
      const reason = this.failure === undefined ? "the stream ended" : `the stream failed: ${String(this.failure)}`;
      throw new Error(`${this.describe()} received only ${progress()}: ${reason}`);
    }
  }

  private describe(): string {
    return `subscription ${this.subscriptionId} (${describe(this.topic, this.group)})`;
  }
}

/** "topic T" or "topic T, group G", for messages. */
function describe(topic: string, group: string): string {
  return group ? `topic ${JSON.stringify(topic)}, group ${JSON.stringify(group)}` : `topic ${JSON.stringify(topic)}`;
}

/** `promise`, or a rejection with `message` after `ms` milliseconds. */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
