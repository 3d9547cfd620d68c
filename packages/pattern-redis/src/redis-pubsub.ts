// RedisPubSub: at-most-once PubSub over Redis pub/sub. PUBLISH runs on the command connection (on a
// cluster, on one master per channel: redis-publishing-node.ts); a dedicated subscriber connection,
// opened on the first subscribe, SUBSCRIBEs once per exact topic and PSUBSCRIBEs a superset glob per
// wildcard filter (narrowed locally with topicMatches), both reference-counted over local subscriptions
// and restored after a reconnect. Messages fan out locally (the SDK's LocalFanout) into bounded
// per-subscription queues (full → dropped and counted). Channels are `<keyPrefix>ps:<topic>`; the wire
// format is in redis-pubsub-envelope.ts.
import { randomBytes } from "node:crypto";
import {
  Code,
  ConnectError,
  isWildcard,
  LocalFanout,
  type LocalSubscription,
  topicMatches,
  type PubSubBackend,
  type PubSubMessage,
  type SubscribeRequestOptions,
} from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import type { RedisCommandClient } from "./redis-client.js";
import { toConnectError } from "./redis-errors.js";
import { channelTopic, filterGlob, pubSubChannelPrefix } from "./redis-pubsub-channel.js";
import { publishingNode } from "./redis-publishing-node.js";
import { decodeEnvelope, encodeEnvelope } from "./redis-pubsub-envelope.js";
import { RedisSubscriber, type SubscriptionKind } from "./redis-subscriber.js";

/** Options of a RedisPubSub. */
export interface RedisPubSubOptions {
  /** Command connection that PUBLISH runs on (one server or a cluster); its owner connects and closes it. */
  client: RedisCommandClient;
  /**
   * Opens the dedicated subscriber connection (a client from createRedisSubscriberClient), called on the first
   * subscribe (and again only if that call rejected); resolves once its first connection attempt settled, ready or
   * not. Its owner closes it. Until a subscribe, no subscriber connection is needed: publish never opens it.
   */
  openSubscriber: () => Promise<Redis>;
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
  private readonly client: RedisCommandClient;
  private readonly openSubscriber: () => Promise<Redis>;
  /** The subscriber connection and its subscriptions, once attached by the first subscribe. */
  private attached: { client: Redis; subscriber: RedisSubscriber } | undefined;
  /** The first subscribe's attachment in flight (or done), shared by concurrent subscribes. */
  private attaching: Promise<RedisSubscriber> | undefined;
  private readonly address: string;
  private readonly channelPrefix: string;
  private readonly fanout: LocalFanout;
  /** Wildcard filters by the glob they PSUBSCRIBE (`orders.*` and `orders.>` share one). */
  private readonly globFilters = new Map<string, Set<string>>();
  private malformed = 0;
  private closed = false;

  /** Uses the command client as it is; opens no subscriber connection (the first subscribe does). */
  constructor(options: RedisPubSubOptions) {
    // Random per-instance prefix of subscription ids.
    this.fanout = new LocalFanout({ idPrefix: randomBytes(4).toString("hex"), subscriberBufferSize: options.subscriberBufferSize });
    this.client = options.client;
    this.openSubscriber = options.openSubscriber;
    this.address = options.address;
    this.channelPrefix = pubSubChannelPrefix(options.keyPrefix);
  }

  /** PUBLISHes one message; resolves with its id once Redis accepted it (whether or not anybody listens). */
  async publish(topic: string, payload: Uint8Array, metadata: Record<string, string>): Promise<string> {
    this.checkOpen();
    const messageId = randomBytes(8).toString("hex");
    const data = encodeEnvelope({ messageId, publishedAtMs: Date.now(), metadata, payload });
    try {
      const channel = this.channelPrefix + topic;
      await publishingNode(this.client, channel).publish(channel, data);
    } catch (error) {
      throw toConnectError(error, this.address);
    }
    this.fanout.countPublished();
    return messageId;
  }

  /**
   * Opens a subscription once Redis confirmed the channel or pattern (the first one waits for the subscriber
   * connection's first attempt; UNAVAILABLE while that connection is down); it ends on close(), when its
   * iteration ends, or when `options.signal` aborts.
   */
  async subscribe(options: SubscribeRequestOptions): Promise<LocalSubscription> {
    this.checkOpen();
    const subscriber = await this.subscriberConnection();
    // Closed while the subscriber connection was opening.
    this.checkOpen();
    const filter = options.topic;
    const wildcard = isWildcard(filter);
    const kind: SubscriptionKind = wildcard ? "pattern" : "channel";
    const name = wildcard ? filterGlob(this.channelPrefix, filter) : this.channelPrefix + filter;
    // Once ended and unrouted: forget a filter nobody subscribes to any more, and let go of the channel or glob.
    const subscription = this.fanout.open(filter, options.group, (_ended, lastOfFilter) => {
      if (lastOfFilter && wildcard) this.removeGlobFilter(name, filter);
      subscriber.release(kind, name);
    });
    if (wildcard) this.addGlobFilter(name, filter);
    try {
      await subscriber.acquire(kind, name);
    } catch (error) {
      await subscription.close();
      throw error;
    }
    subscription.bindSignal(options.signal);
    return subscription;
  }

  /** Open local subscriptions. */
  subscriptionCount(): number {
    return this.fanout.size;
  }

  /** Counters for health details. */
  stats(): RedisPubSubStats {
    return { ...this.fanout.stats(), malformed: this.malformed };
  }

  /** Ends every subscription (unsubscribing while connected); later publishes and subscribes fail UNAVAILABLE. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fanout.closeAll();
    if (this.attached) {
      this.attached.client.off("messageBuffer", this.onMessage);
      this.attached.client.off("pmessageBuffer", this.onPatternMessage);
      this.attached.subscriber.close();
    }
  }

  /** The subscriptions of the subscriber connection, opening and attaching to it once (concurrent callers share it). */
  private subscriberConnection(): Promise<RedisSubscriber> {
    if (this.attaching === undefined) {
      const attaching = this.openSubscriber().then((client) => this.attach(client));
      this.attaching = attaching;
      // A failed attempt (not attached) is forgotten, so that a later subscribe tries again.
      attaching.catch(() => {
        if (this.attaching === attaching) this.attaching = undefined;
      });
    }
    return this.attaching;
  }

  /** Starts listening to the freshly opened subscriber `client`, unless closed meanwhile. */
  private attach(client: Redis): RedisSubscriber {
    this.checkOpen();
    if (client === this.client) throw new Error("RedisPubSub needs a dedicated subscriber connection, not the command connection");
    const subscriber = new RedisSubscriber(client, this.address);
    client.on("messageBuffer", this.onMessage);
    client.on("pmessageBuffer", this.onPatternMessage);
    this.attached = { client, subscriber };
    return subscriber;
  }

  /** A message on a SUBSCRIBEd channel: to the route of exactly its topic. */
  private readonly onMessage = (channel: Buffer, data: Buffer): void => {
    const topic = channelTopic(this.channelPrefix, channel.toString());
    const route = topic === undefined ? undefined : this.fanout.exactRoute(topic);
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
      this.fanout.wildcardRoute(filter)?.deliver(message);
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

  /** Records that the wildcard `filter` is served by PSUBSCRIBE `glob` (again: no change). */
  private addGlobFilter(glob: string, filter: string): void {
    const filters = this.globFilters.get(glob);
    if (filters) filters.add(filter);
    else this.globFilters.set(glob, new Set([filter]));
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
