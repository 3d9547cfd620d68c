// MemStorePubSub: the in-process, at-most-once PubSub backend. Publish fans a message out
// synchronously to the bounded queue of every matching subscription (a full queue drops and counts),
// with exact topics looked up in O(1) and wildcard filters matched one by one (the SDK's LocalFanout).
import { randomUUID } from "node:crypto";
import {
  Code,
  ConnectError,
  LocalFanout,
  type LocalSubscription,
  type PubSubBackend,
  type PubSubMessage,
  type SubscribeRequestOptions,
} from "@prism/pattern-sdk";

/** Options of a MemStorePubSub. */
export interface MemStorePubSubOptions {
  /** Messages buffered per subscriber before new ones are dropped, at least 1. */
  subscriberBufferSize: number;
}

/** Counters of a MemStorePubSub, for health details. */
export interface MemStorePubSubStats {
  /** Open subscriptions. */
  subscriptions: number;
  /** Messages published since creation. */
  published: number;
  /** Messages dropped because a subscriber's buffer was full, over open and closed subscriptions. */
  dropped: number;
}

/** In-memory PubSub backend: at-most-once fan-out with wildcards and consumer groups. */
export class MemStorePubSub implements PubSubBackend {
  /** Every subscription is at-most-once: a message is never redelivered. */
  readonly guarantee = "at-most-once";
  /** Random per-instance prefix of message and subscription ids. */
  private readonly prefix = randomUUID().slice(0, 8);
  private readonly fanout: LocalFanout;
  private closed = false;

  constructor(options: MemStorePubSubOptions) {
    this.fanout = new LocalFanout({ idPrefix: this.prefix, subscriberBufferSize: options.subscriberBufferSize });
  }

  /** Publishes one message to every matching subscription; never waits for a subscriber. */
  async publish(topic: string, payload: Uint8Array, metadata: Record<string, string>): Promise<string> {
    this.checkOpen();
    const messageId = `${this.prefix}-${this.fanout.countPublished()}`;
    const message: PubSubMessage = {
      topic,
      payload: payload.slice(),
      metadata: { ...metadata },
      messageId,
      publishedAtMs: Date.now(),
      deliveryAttempt: 1,
    };
    this.fanout.deliver(topic, message);
    return messageId;
  }

  /** Opens a subscription; it ends on close(), when its iteration ends, or when `options.signal` aborts. */
  async subscribe(options: SubscribeRequestOptions): Promise<LocalSubscription> {
    this.checkOpen();
    const subscription = this.fanout.open(options.topic, options.group);
    subscription.bindSignal(options.signal);
    return subscription;
  }

  /** Open subscriptions. */
  subscriptionCount(): number {
    return this.fanout.size;
  }

  /** Counters for health details. */
  stats(): MemStorePubSubStats {
    return this.fanout.stats();
  }

  /** Ends every subscription; later publishes and subscribes fail with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.fanout.closeAll();
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectError("memstore pubsub is closed", Code.Unavailable);
  }
}
