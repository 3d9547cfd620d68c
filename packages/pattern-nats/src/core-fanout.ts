// CoreFanout: the at-most-once subscriptions of core NATS, sharing NATS subscriptions inside one pattern
// instance. There is one NATS subscription per distinct (topic filter, group): a plain one shared by the
// ungrouped subscribers of a filter, a queue subscription shared by the members of a group on a filter
// (NATS gives each message to one instance, the SDK's round robin to one member in it). Each message is
// decoded once into one PubSubMessage that every local subscriber of that NATS subscription receives.
// The first local subscriber of a (filter, group) subscribes on NATS and flushes, so that every subscriber
// of it is open only once the server has the subscription; the last one to leave unsubscribes; nats.js
// re-subscribes after reconnects. A NATS subscription that fails (e.g. permissions) ends its subscribers. The SDK's
// LocalFanout keeps the local subscriptions (ids,
// counts, drops, closeAll); delivery goes through one SubscriptionRoute per NATS subscription, since
// NATS already separates the ungrouped subscribers from each group.
import { randomBytes } from "node:crypto";
import { ClosedConnectionError, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { LocalFanout, type LocalFanoutStats, type LocalSubscription, type Logger, SubscriptionRoute } from "@prism/pattern-sdk";
import { coreMessage } from "./core-message.js";
import { topicSubject } from "./nats-naming.js";

/** Options of a CoreFanout. */
export interface CoreFanoutOptions {
  /** Subject prefix of the namespace. */
  prefix: string;
  /** Messages buffered per subscription before new ones are dropped, at least 1. */
  subscriberBufferSize: number;
  /** Logger for failed NATS subscriptions. */
  logger: Logger;
}

/** Counters of a CoreFanout, for health details. */
export interface CoreFanoutStats extends LocalFanoutStats {
  /** NATS subscriptions serving the local ones (one per distinct filter and group). */
  natsSubscriptions: number;
}

/** One NATS subscription and the local subscriptions it feeds. */
interface SharedSubscription {
  /** The NATS subscription (a queue subscription for a group). */
  sub: Subscription;
  /** The local subscriptions fed by it: all ungrouped, or all members of one group. */
  route: SubscriptionRoute;
  /** The same local subscriptions, counted for the reference and closed together on a subscription error. */
  members: Set<LocalSubscription>;
  /** Resolves once the server has the subscription (the flush after subscribing); rejects if the connection went away first. */
  ready: Promise<void>;
  /** Why the NATS subscription failed, once it has (its members are closed then). */
  failure?: unknown;
}

/** Local core NATS subscriptions over shared, reference-counted NATS subscriptions. */
export class CoreFanout {
  private readonly local: LocalFanout;
  /** Shared NATS subscriptions by (filter, group) key. */
  private readonly shared = new Map<string, SharedSubscription>();
  private readonly prefix: string;
  private readonly logger: Logger;

  /** Throws RangeError unless `subscriberBufferSize` is an integer of at least 1. */
  constructor(options: CoreFanoutOptions) {
    // Random per-instance prefix of subscription ids.
    this.local = new LocalFanout({ idPrefix: randomBytes(4).toString("hex"), subscriberBufferSize: options.subscriberBufferSize });
    this.prefix = options.prefix;
    this.logger = options.logger;
  }

  /**
   * Opens a local subscription to `filter` in `group` ("" = none), subscribing on `nc` when it is the first
   * of its (filter, group), bound to `signal`; resolves once the server has the NATS subscription. Throws
   * (having closed the local subscription) what nats.js throws, why the NATS subscription failed, or that
   * the connection was lost before the server answered.
   */
  async open(nc: NatsConnection, filter: string, group: string, signal: AbortSignal): Promise<LocalSubscription> {
    const key = JSON.stringify([filter, group]);
    const shared = this.shared.get(key) ?? this.subscribe(nc, key, filter, group);
    const subscription = this.local.open(filter, group, (ended) => this.leave(key, shared, ended));
    shared.route.add(subscription);
    shared.members.add(subscription);
    subscription.bindSignal(signal);
    try {
      await shared.ready;
      if (shared.failure !== undefined) throw shared.failure;
    } catch (error) {
      await subscription.close();
      throw error;
    }
    return subscription;
  }

  /** Open local subscriptions. */
  get size(): number {
    return this.local.size;
  }

  /** Counters for health details. */
  stats(): CoreFanoutStats {
    return { ...this.local.stats(), natsSubscriptions: this.shared.size };
  }

  /** Ends every local subscription, and so unsubscribes every NATS subscription. */
  closeAll(): void {
    this.local.closeAll();
  }

  /** Subscribes on NATS for (filter, group) and registers the shared subscription under `key`. */
  private subscribe(nc: NatsConnection, key: string, filter: string, group: string): SharedSubscription {
    const route = new SubscriptionRoute();
    const members = new Set<LocalSubscription>();
    const prefix = this.prefix;
    const subject = topicSubject(prefix, filter);
    const sub = nc.subscribe(subject, {
      queue: group === "" ? undefined : group,
      callback: (error, msg) => {
        if (error) {
          shared.failure = error;
          // the SDK ends each subscriber's stream UNAVAILABLE, as its subscription ended unasked
          this.logger.warn("NATS subscription failed, closing its subscribers", {
            subject,
            group,
            subscribers: members.size,
            error,
          });
          for (const member of [...members]) void member.close();
          return;
        }
        route.deliver(coreMessage(prefix, msg));
      },
    });
    const shared: SharedSubscription = { sub, route, members, ready: flushed(nc) };
    this.shared.set(key, shared);
    return shared;
  }

  /** Takes an ended local subscription off its NATS subscription, unsubscribing that after the last one. */
  private leave(key: string, shared: SharedSubscription, ended: LocalSubscription): void {
    shared.route.remove(ended);
    shared.members.delete(ended);
    if (shared.members.size > 0) return;
    if (this.shared.get(key) === shared) this.shared.delete(key);
    try {
      shared.sub.unsubscribe();
    } catch {
      // the connection is already closed: nothing left to unsubscribe
    }
  }
}

/** Per connection, one promise that rejects when it closes (a flush pending then never settles). */
const closings = new WeakMap<NatsConnection, Promise<never>>();

/** Resolves once the server answered a flush on `nc`; rejects if the connection is lost or closes first. */
function flushed(nc: NatsConnection): Promise<void> {
  let closing = closings.get(nc);
  if (!closing) {
    closing = nc.closed().then((error) => Promise.reject(error ?? new ClosedConnectionError()));
    closing.catch(() => undefined);
    closings.set(nc, closing);
  }
  const ready = Promise.race([nc.flush(), closing]);
  // awaited by each subscriber; a rejection once all of them have left is no failure
  ready.catch(() => undefined);
  return ready;
}
