// MemStorePubSub: the in-process, at-most-once PubSub backend. Publish fans a message out
// synchronously to the bounded queue of every matching subscription (a full queue drops and counts),
// with exact topics looked up in O(1) and wildcard filters matched one by one.
import { randomUUID } from "node:crypto";
import {
  Code,
  ConnectError,
  isWildcard,
  topicMatches,
  type PubSubBackend,
  type PubSubMessage,
  type SubscribeRequestOptions,
} from "@prism/pattern-sdk";
import { MemStoreSubscription } from "./memstore-subscription.js";
import { SubscriptionRoute } from "./subscription-route.js";

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
  /** Routes of exact topics. */
  private readonly exact = new Map<string, SubscriptionRoute>();
  /** Routes of wildcard filters. */
  private readonly wildcard = new Map<string, SubscriptionRoute>();
  private readonly live = new Set<MemStoreSubscription>();
  /** Random per-instance prefix of message and subscription ids. */
  private readonly prefix = randomUUID().slice(0, 8);
  private readonly bufferSize: number;
  private published = 0;
  private subscriptionsOpened = 0;
  private droppedByClosed = 0;
  private closed = false;

  constructor(options: MemStorePubSubOptions) {
    if (!Number.isInteger(options.subscriberBufferSize) || options.subscriberBufferSize < 1) {
      throw new RangeError(`subscriberBufferSize must be an integer of at least 1, got ${options.subscriberBufferSize}`);
    }
    this.bufferSize = options.subscriberBufferSize;
  }

  /** Publishes one message to every matching subscription; never waits for a subscriber. */
  async publish(topic: string, payload: Uint8Array, metadata: Record<string, string>): Promise<string> {
    this.checkOpen();
    const messageId = `${this.prefix}-${++this.published}`;
    const message: PubSubMessage = {
      topic,
      payload: payload.slice(),
      metadata: { ...metadata },
      messageId,
      publishedAtMs: Date.now(),
      deliveryAttempt: 1,
    };
    this.exact.get(topic)?.deliver(message);
    for (const [filter, route] of this.wildcard) {
      if (topicMatches(filter, topic)) route.deliver(message);
    }
    return messageId;
  }

  /** Opens a subscription; it ends on close(), when its iteration ends, or when `options.signal` aborts. */
  async subscribe(options: SubscribeRequestOptions): Promise<MemStoreSubscription> {
    this.checkOpen();
    const routes = isWildcard(options.topic) ? this.wildcard : this.exact;
    const subscription = new MemStoreSubscription(
      `${this.prefix}-s${++this.subscriptionsOpened}`,
      options.topic,
      options.group,
      this.bufferSize,
      (ended) => this.detach(ended, routes),
    );
    let route = routes.get(options.topic);
    if (!route) {
      route = new SubscriptionRoute();
      routes.set(options.topic, route);
    }
    route.add(subscription);
    this.live.add(subscription);
    subscription.bindSignal(options.signal);
    return subscription;
  }

  /** Open subscriptions. */
  subscriptionCount(): number {
    return this.live.size;
  }

  /** Counters for health details. */
  stats(): MemStorePubSubStats {
    let dropped = this.droppedByClosed;
    for (const subscription of this.live) dropped += subscription.dropped;
    return { subscriptions: this.live.size, published: this.published, dropped };
  }

  /** Ends every subscription; later publishes and subscribes fail with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    for (const subscription of [...this.live]) void subscription.close();
  }

  /** Removes an ended subscription from its route and the live set. */
  private detach(subscription: MemStoreSubscription, routes: Map<string, SubscriptionRoute>): void {
    if (!this.live.delete(subscription)) return;
    this.droppedByClosed += subscription.dropped;
    const route = routes.get(subscription.filter);
    if (!route) return;
    route.remove(subscription);
    if (route.isEmpty) routes.delete(subscription.filter);
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectError("memstore pubsub is closed", Code.Unavailable);
  }
}
