// LocalFanout: the in-process side of an at-most-once PubSub backend. It keeps the open LocalSubscriptions
// in routes (exact topics looked up in O(1), wildcard filters matched one by one), hands a message to every
// matching route, and counts subscriptions, published messages and drops (over open and closed subscriptions).
// A backend with a remote transport (e.g. Redis SUBSCRIBE) adds its own bookkeeping in `open`'s onEnd.
import { LocalSubscription } from "./local-subscription.js";
import type { PubSubMessage } from "./pubsub-backend.js";
import { SubscriptionRoute } from "./subscription-route.js";
import { isWildcard, topicMatches } from "./topic-name.js";

/** Options of a LocalFanout. */
export interface LocalFanoutOptions {
  /** Prefix of subscription ids (`<idPrefix>-s<n>`), unique per instance. */
  idPrefix: string;
  /** Messages buffered per subscription before new ones are dropped, at least 1. */
  subscriberBufferSize: number;
}

/** Counters of a LocalFanout, for health details. */
export interface LocalFanoutStats {
  /** Open subscriptions. */
  subscriptions: number;
  /** Messages published since creation. */
  published: number;
  /** Messages dropped because a subscription's buffer was full, over open and closed subscriptions. */
  dropped: number;
}

/** Called once after an ended subscription was removed; `lastOfFilter` when no subscription to its filter is left. */
export type LocalSubscriptionEnded = (subscription: LocalSubscription, lastOfFilter: boolean) => void;

/** The local subscriptions of a backend, routed by exact topic and wildcard filter, with their counters. */
export class LocalFanout {
  /** Routes of exact topics. */
  private readonly exact = new Map<string, SubscriptionRoute>();
  /** Routes of wildcard filters. */
  private readonly wildcard = new Map<string, SubscriptionRoute>();
  private readonly live = new Set<LocalSubscription>();
  private readonly idPrefix: string;
  private readonly bufferSize: number;
  private published = 0;
  private subscriptionsOpened = 0;
  private droppedByClosed = 0;

  /** Throws RangeError unless `subscriberBufferSize` is an integer of at least 1. */
  constructor(options: LocalFanoutOptions) {
    if (!Number.isInteger(options.subscriberBufferSize) || options.subscriberBufferSize < 1) {
      throw new RangeError(`subscriberBufferSize must be an integer of at least 1, got ${options.subscriberBufferSize}`);
    }
    this.idPrefix = options.idPrefix;
    this.bufferSize = options.subscriberBufferSize;
  }

  /**
   * Opens a routed subscription to `filter` (not yet bound to a signal: call bindSignal). When it ends it
   * leaves its route and the open set, and then `onEnd` runs.
   */
  open(filter: string, group: string, onEnd?: LocalSubscriptionEnded): LocalSubscription {
    const routes = isWildcard(filter) ? this.wildcard : this.exact;
    const subscription = new LocalSubscription(`${this.idPrefix}-s${++this.subscriptionsOpened}`, filter, group, this.bufferSize, (ended) =>
      this.detach(ended, routes, onEnd),
    );
    let route = routes.get(filter);
    if (!route) {
      route = new SubscriptionRoute();
      routes.set(filter, route);
    }
    route.add(subscription);
    this.live.add(subscription);
    return subscription;
  }

  /** Hands `message` to the route of exactly `topic` and to every wildcard route that matches it. */
  deliver(topic: string, message: PubSubMessage): void {
    this.exact.get(topic)?.deliver(message);
    for (const [filter, route] of this.wildcard) {
      if (topicMatches(filter, topic)) route.deliver(message);
    }
  }

  /** The route of the exact topic `topic`, if anybody subscribes to it. */
  exactRoute(topic: string): SubscriptionRoute | undefined {
    return this.exact.get(topic);
  }

  /** The route of the wildcard filter `filter`, if anybody subscribes to it. */
  wildcardRoute(filter: string): SubscriptionRoute | undefined {
    return this.wildcard.get(filter);
  }

  /** Counts one published message; returns the count so far. */
  countPublished(): number {
    return ++this.published;
  }

  /** Open subscriptions. */
  get size(): number {
    return this.live.size;
  }

  /** Counters for health details. */
  stats(): LocalFanoutStats {
    let dropped = this.droppedByClosed;
    for (const subscription of this.live) dropped += subscription.dropped;
    return { subscriptions: this.live.size, published: this.published, dropped };
  }

  /** Ends every open subscription. */
  closeAll(): void {
    for (const subscription of [...this.live]) void subscription.close();
  }

  /** Removes an ended subscription from its route and the open set, then runs `onEnd`. */
  private detach(subscription: LocalSubscription, routes: Map<string, SubscriptionRoute>, onEnd: LocalSubscriptionEnded | undefined): void {
    if (!this.live.delete(subscription)) return;
    this.droppedByClosed += subscription.dropped;
    let lastOfFilter = false;
    const route = routes.get(subscription.filter);
    if (route) {
      route.remove(subscription);
      if (route.isEmpty) {
        routes.delete(subscription.filter);
        lastOfFilter = true;
      }
    }
    onEnd?.(subscription, lastOfFilter);
  }
}
