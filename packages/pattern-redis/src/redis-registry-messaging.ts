// RedisRegistryMessaging: the registry's messaging slot over Redis pub/sub. Listen streams live in a
// LocalRegistryMessaging; the first local listener of an identity SUBSCRIBEs its inbox channel
// `<keyPrefix>registry:inbox:<identity>` on the pattern's one subscriber connection (shared with PubSub,
// reference-counted and restored after a reconnect by RedisSubscriber), the last one to close lets it
// go. A multicast encodes its delivery once (registry-delivery-envelope.ts) and PUBLISHes it to every
// target's inbox in one pipeline on the command connection: a reply count >= 1 is DELIVERED (an instance
// holding a listener received it and pushes it into its local queues), 0 is NOT_LISTENING, no reply
// within the timeout is TIMEOUT, and a Redis error (down, timed out) is FAILED with the reason.
// Redis pub/sub confirms receipt by a subscribed instance, not acceptance by its queue: a delivery that
// finds the listener's queue full is dropped there (and counted) although the sender saw DELIVERED.
import {
  Code,
  ConnectError,
  type DeliveryOutcome,
  LocalRegistryMessaging,
  type RegistryDelivery,
  type RegistryListener,
  type RegistryMessaging,
} from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import { decodeDelivery, encodeDelivery } from "./registry-delivery-envelope.js";
import { toConnectError } from "./redis-errors.js";
import { registryInboxPrefix } from "./redis-registry-keys.js";
import { RedisSubscriber } from "./redis-subscriber.js";

/** Options of a RedisRegistryMessaging. */
export interface RedisRegistryMessagingOptions {
  /** Command connection that PUBLISH runs on; its owner connects and closes it. */
  client: Redis;
  /** Opens the pattern's subscriber connection (see RedisPubSubOptions.openSubscriber); called on the first Listen. Its owner closes it. */
  openSubscriber: () => Promise<Redis>;
  /** Namespace key prefix (see resolveKeyPrefix). */
  keyPrefix: string;
  /** `host:port` of the server, named in error messages. */
  address: string;
  /** Deliveries held for one slow listener. */
  queueCapacity: number;
}

/** Counters of a RedisRegistryMessaging, for health details. */
export interface RedisRegistryMessagingStats {
  /** Inbox channels this instance is subscribed to (identities with a local listener). */
  registryInboxes: number;
  /** Deliveries received for local listeners that no queue accepted (full, or the listener just left). */
  registryDropped: number;
  /** Messages on an inbox channel that were not deliveries, ignored. */
  registryMalformed: number;
}

/** Registry messaging over Redis pub/sub; see the file comment. */
export class RedisRegistryMessaging implements RegistryMessaging {
  private readonly client: Redis;
  private readonly openSubscriber: () => Promise<Redis>;
  private readonly address: string;
  private readonly inboxPrefix: string;
  private readonly local: LocalRegistryMessaging;
  /** The subscriber connection and its subscriptions, once attached by the first Listen. */
  private attached: { client: Redis; subscriber: RedisSubscriber } | undefined;
  private attaching: Promise<RedisSubscriber> | undefined;
  /** Identities with a local listener. */
  private readonly wanted = new Set<string>();
  /** Inbox subscriptions taken (one reference each), by identity, settling when Redis confirmed them. */
  private readonly inboxes = new Map<string, Promise<void>>();
  private dropped = 0;
  private malformed = 0;
  private closed = false;

  /** Opens nothing yet: the first Listen opens (or joins) the subscriber connection. */
  constructor(options: RedisRegistryMessagingOptions) {
    this.client = options.client;
    this.openSubscriber = options.openSubscriber;
    this.address = options.address;
    this.inboxPrefix = registryInboxPrefix(options.keyPrefix);
    this.local = new LocalRegistryMessaging(
      options.queueCapacity,
      (identity) => this.subscribeInbox(identity),
      (identity) => this.releaseInbox(identity),
    );
  }

  /** Opens a local listener; the first of its identity resolves once Redis confirmed the inbox subscription (UNAVAILABLE while down). */
  async listen(identity: string, signal: AbortSignal): Promise<RegistryListener> {
    this.checkOpen();
    return await this.local.listen(identity, signal);
  }

  /** PUBLISHes `delivery` to each target's inbox in one pipeline; see the file comment for the outcomes. */
  deliver(targets: readonly string[], delivery: RegistryDelivery, timeoutMs: number): Promise<DeliveryOutcome[]> {
    if (targets.length === 0) return Promise.resolve([]);
    if (this.closed)
      return Promise.resolve(targets.map(() => ({ status: "FAILED", message: "the redis registry messaging is closed" }) as const));
    const data = encodeDelivery(delivery);
    const outcomes: (DeliveryOutcome | undefined)[] = [];
    return new Promise((resolve) => {
      let pending = targets.length;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(Array.from(targets, (_, index) => outcomes[index] ?? { status: "TIMEOUT" }));
      };
      const timer = setTimeout(finish, timeoutMs);
      const settle = (index: number, outcome: DeliveryOutcome) => {
        if (outcomes[index] !== undefined) return;
        outcomes[index] = outcome;
        if (--pending === 0) finish();
      };
      const failAll = (error: unknown) => {
        const message = toConnectError(error, this.address).message;
        for (let index = 0; index < targets.length; index++) settle(index, { status: "FAILED", message });
      };
      try {
        const pipeline = this.client.pipeline();
        targets.forEach((identity, index) => {
          pipeline.publish(this.inboxPrefix + identity, data, (error, receivers) => {
            if (error) settle(index, { status: "FAILED", message: toConnectError(error, this.address).message });
            else settle(index, (receivers ?? 0) > 0 ? { status: "DELIVERED" } : { status: "NOT_LISTENING" });
          });
        });
        pipeline.exec().catch(failAll);
      } catch (error) {
        failAll(error);
      }
    });
  }

  listenerCount(): number {
    return this.local.listenerCount();
  }

  /** Counters for health details. */
  stats(): RedisRegistryMessagingStats {
    return { registryInboxes: this.inboxes.size, registryDropped: this.dropped, registryMalformed: this.malformed };
  }

  /** Ends every listener (unsubscribing while connected); later Listens fail UNAVAILABLE and multicasts FAILED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.local.closeAll();
    if (this.attached) {
      this.attached.client.off("messageBuffer", this.onMessage);
      this.attached.subscriber.close();
    }
  }

  /** The first local listener of `identity`: subscribe its inbox (once), resolving when Redis confirmed it. */
  private async subscribeInbox(identity: string): Promise<void> {
    this.wanted.add(identity);
    const subscriber = await this.subscriberConnection();
    this.checkOpen();
    // Its listeners left while the subscriber connection was opening.
    if (!this.wanted.has(identity)) return;
    let inbox = this.inboxes.get(identity);
    if (inbox === undefined) {
      inbox = subscriber.acquire("channel", this.inboxPrefix + identity);
      this.inboxes.set(identity, inbox);
    }
    await inbox;
  }

  /** The last local listener of `identity` left: let go of its inbox. */
  private releaseInbox(identity: string): void {
    this.wanted.delete(identity);
    if (this.inboxes.delete(identity)) this.attached?.subscriber.release("channel", this.inboxPrefix + identity);
  }

  /** The subscriptions of the subscriber connection, opening and attaching to it once (concurrent callers share it). */
  private subscriberConnection(): Promise<RedisSubscriber> {
    if (this.attaching === undefined) {
      const attaching = this.openSubscriber().then((client) => this.attach(client));
      this.attaching = attaching;
      attaching.catch(() => {
        if (this.attaching === attaching) this.attaching = undefined;
      });
    }
    return this.attaching;
  }

  private attach(client: Redis): RedisSubscriber {
    this.checkOpen();
    if (client === this.client)
      throw new Error("RedisRegistryMessaging needs a dedicated subscriber connection, not the command connection");
    const subscriber = new RedisSubscriber(client, this.address);
    client.on("messageBuffer", this.onMessage);
    this.attached = { client, subscriber };
    return subscriber;
  }

  /** A message on a subscribed channel: an inbox's delivery goes to the local listeners of its identity. */
  private readonly onMessage = (channel: Buffer, data: Buffer): void => {
    const name = channel.toString();
    if (!name.startsWith(this.inboxPrefix)) return;
    const delivery = decodeDelivery(data);
    if (delivery === undefined) {
      this.malformed++;
      return;
    }
    if (this.local.deliverHere(name.slice(this.inboxPrefix.length), delivery).status !== "DELIVERED") this.dropped++;
  };

  private checkOpen(): void {
    if (this.closed) throw new ConnectError("the redis registry messaging is closed: the pattern is stopping", Code.Unavailable);
  }
}
