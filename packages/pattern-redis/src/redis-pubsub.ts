// RedisPubSub: at-most-once PubSub over Redis pub/sub. PUBLISH runs on the command connection; a
// dedicated subscriber connection SUBSCRIBEs once per exact topic and PSUBSCRIBEs a superset glob per
// wildcard filter (narrowed locally with topicMatches), both reference-counted over local subscriptions
// and restored after a reconnect. Messages fan out locally into bounded per-subscription queues (full →
// dropped and counted). Channels are `<keyPrefix>ps:<topic>`; the wire format is in redis-pubsub-envelope.ts.
import { randomBytes } from "node:crypto";
import {
  Code,
  ConnectError,
  isWildcard,
  topicMatches,
  type PubSubBackend,
  type PubSubMessage,
  type SubscribeRequestOptions,
} from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import { toConnectError } from "./redis-errors.js";
import { channelTopic, filterGlob, pubSubChannelPrefix } from "./redis-pubsub-channel.js";
import { decodeEnvelope, encodeEnvelope } from "./redis-pubsub-envelope.js";
import { RedisSubscriber, type SubscriptionKind } from "./redis-subscriber.js";
import { RedisSubscription } from "./redis-subscription.js";
import { RedisSubscriptionRoute } from "./redis-subscription-route.js";

/** Options of a RedisPubSub. */
export interface RedisPubSubOptions {
  /** Command connection that PUBLISH runs on; its owner connects and closes it. */
  client: Redis;
  /** Dedicated subscriber connection from createRedisSubscriberClient; its owner connects and closes it. */
  subscriber: Redis;
  /** Namespace key prefix (see resolveKeyPrefix); channels are `<keyPrefix>ps:<topic>`. */
  keyPrefix: string;
  /** `host:port` of the server, named in error messages. */
  address: string;
  /** Messages buffered per subscription before new ones are dropped, at least 1. */
  subscriberBufferSize: number;
}

/** Counters of a RedisPubSub, for health details. */
export interface RedisPubSubStats {
  /** Open local subscriptions. */
  subscriptions: number;
  /** Messages this instance published since creation. */
  published: number;
  /** Messages dropped because a subscription's buffer was full, over open and closed subscriptions. */
  dropped: number;
  /** Messages received on a PubSub channel that were not in the envelope format, and ignored. */
  malformed: number;
}

/** At-most-once PubSub on Redis pub/sub, with wildcards and (per-process) consumer groups. */
export class RedisPubSub implements PubSubBackend {
  /** Every subscription is at-most-once: Redis pub/sub never stores or redelivers a message. */
  readonly guarantee = "at-most-once";
  private readonly client: Redis;
  private readonly subscriberClient: Redis;
  private readonly subscriber: RedisSubscriber;
  private readonly address: string;
  private readonly channelPrefix: string;
  private readonly bufferSize: number;
  /** Routes of exact topics. */
  private readonly exact = new Map<string, RedisSubscriptionRoute>();
  /** Routes of wildcard filters. */
  private readonly wildcard = new Map<string, RedisSubscriptionRoute>();
  /** Wildcard filters by the glob they PSUBSCRIBE (`orders.*` and `orders.>` share one). */
  private readonly globFilters = new Map<string, Set<string>>();
  private readonly live = new Set<RedisSubscription>();
  /** Random per-instance prefix of subscription ids. */
  private readonly idPrefix = randomBytes(4).toString("hex");
  private published = 0;
  private subscriptionsOpened = 0;
  private droppedByClosed = 0;
  private malformed = 0;
  private closed = false;

  /** Attaches to both clients; does not connect them. */
  constructor(options: RedisPubSubOptions) {
    if (!Number.isInteger(options.subscriberBufferSize) || options.subscriberBufferSize < 1) {
      throw new RangeError(`subscriberBufferSize must be an integer of at least 1, got ${options.subscriberBufferSize}`);
    }
    if (options.subscriber === options.client) {
      throw new Error("RedisPubSub needs a dedicated subscriber connection, not the command connection");
    }
    this.client = options.client;
    this.subscriberClient = options.subscriber;
    this.subscriber = new RedisSubscriber(options.subscriber, options.address);
    this.address = options.address;
    this.channelPrefix = pubSubChannelPrefix(options.keyPrefix);
    this.bufferSize = options.subscriberBufferSize;
    this.subscriberClient.on("messageBuffer", this.onMessage);
    this.subscriberClient.on("pmessageBuffer", this.onPatternMessage);
  }

  /** PUBLISHes one message; resolves with its id once Redis accepted it (whether or not anybody listens). */
  async publish(topic: string, payload: Uint8Array, metadata: Record<string, string>): Promise<string> {
    this.checkOpen();
    const messageId = randomBytes(8).toString("hex");
    const data = encodeEnvelope({ messageId, publishedAtMs: Date.now(), metadata, payload });
    try {
      await this.client.publish(this.channelPrefix + topic, data);
    } catch (error) {
      throw toConnectError(error, this.address);
    }
    this.published++;
    return messageId;
  }

  /**
   * Opens a subscription once Redis confirmed the channel or pattern (UNAVAILABLE while the subscriber
   * connection is down); it ends on close(), when its iteration ends, or when `options.signal` aborts.
   */
  async subscribe(options: SubscribeRequestOptions): Promise<RedisSubscription> {
    this.checkOpen();
    const filter = options.topic;
    const wildcard = isWildcard(filter);
    const kind: SubscriptionKind = wildcard ? "pattern" : "channel";
    const name = wildcard ? filterGlob(this.channelPrefix, filter) : this.channelPrefix + filter;
    const routes = wildcard ? this.wildcard : this.exact;
    const subscription = new RedisSubscription(
      `${this.idPrefix}-s${++this.subscriptionsOpened}`,
      filter,
      options.group,
      this.bufferSize,
      (ended) => this.detach(ended, routes, kind, name),
    );
    let route = routes.get(filter);
    if (!route) {
      route = new RedisSubscriptionRoute();
      routes.set(filter, route);
      if (wildcard) this.addGlobFilter(name, filter);
    }
    route.add(subscription);
    this.live.add(subscription);
    try {
      await this.subscriber.acquire(kind, name);
    } catch (error) {
      await subscription.close();
      throw error;
    }
    subscription.bindSignal(options.signal);
    return subscription;
  }

  /** Open local subscriptions. */
  subscriptionCount(): number {
    return this.live.size;
  }

  /** Counters for health details. */
  stats(): RedisPubSubStats {
    let dropped = this.droppedByClosed;
    for (const subscription of this.live) dropped += subscription.dropped;
    return { subscriptions: this.live.size, published: this.published, dropped, malformed: this.malformed };
  }

  /** Ends every subscription (unsubscribing while connected); later publishes and subscribes fail UNAVAILABLE. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.live]) void subscription.close();
    this.subscriberClient.off("messageBuffer", this.onMessage);
    this.subscriberClient.off("pmessageBuffer", this.onPatternMessage);
    this.subscriber.close();
  }

  /** A message on a SUBSCRIBEd channel: to the route of exactly its topic. */
  private readonly onMessage = (channel: Buffer, data: Buffer): void => {
    const topic = channelTopic(this.channelPrefix, channel.toString());
    const route = topic === undefined ? undefined : this.exact.get(topic);
    if (topic === undefined || !route) return;
    const message = this.decode(topic, data);
    if (message) route.deliver(message);
  };

  /** A message on a PSUBSCRIBEd glob: to the routes of that glob's filters that match its topic. */
  private readonly onPatternMessage = (pattern: string, channel: Buffer, data: Buffer): void => {
    const filters = this.globFilters.get(pattern);
    const topic = channelTopic(this.channelPrefix, channel.toString());
    if (!filters || topic === undefined) return;
    let message: PubSubMessage | undefined;
    for (const filter of filters) {
      if (!topicMatches(filter, topic)) continue;
      message ??= this.decode(topic, data);
      if (!message) return;
      this.wildcard.get(filter)?.deliver(message);
    }
  };

  /** The message in `data`, or undefined (counted) when it is not an envelope. */
  private decode(topic: string, data: Buffer): PubSubMessage | undefined {
    const envelope = decodeEnvelope(data);
    if (!envelope) {
      this.malformed++;
      return undefined;
    }
    const { messageId, publishedAtMs, metadata, payload } = envelope;
    return { topic, payload, metadata, messageId, publishedAtMs, deliveryAttempt: 1 };
  }

  private addGlobFilter(glob: string, filter: string): void {
    const filters = this.globFilters.get(glob);
    if (filters) filters.add(filter);
    else this.globFilters.set(glob, new Set([filter]));
  }

  /** Removes an ended subscription from its route and the live set, and lets go of its channel or glob. */
  private detach(subscription: RedisSubscription, routes: Map<string, RedisSubscriptionRoute>, kind: SubscriptionKind, name: string): void {
    if (!this.live.delete(subscription)) return;
    this.droppedByClosed += subscription.dropped;
    const route = routes.get(subscription.filter);
    if (route) {
      route.remove(subscription);
      if (route.isEmpty) {
        routes.delete(subscription.filter);
        if (kind === "pattern") this.removeGlobFilter(name, subscription.filter);
      }
    }
    this.subscriber.release(kind, name);
  }

  private removeGlobFilter(glob: string, filter: string): void {
    const filters = this.globFilters.get(glob);
    filters?.delete(filter);
    if (filters?.size === 0) this.globFilters.delete(glob);
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectError("redis pubsub is closed", Code.Unavailable);
  }
}
