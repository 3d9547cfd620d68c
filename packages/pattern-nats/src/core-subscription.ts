// An at-most-once subscription on core NATS: a NATS subscription (a queue subscription for a
// group) whose callback fills a bounded MessageQueue; a subscriber that does not keep up loses
// new messages (counted) instead of slowing anyone else. nats.js re-subscribes after reconnects.
import { randomUUID } from "node:crypto";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { MessageQueue, type PubSubMessage, type PubSubSubscription } from "@prism/pattern-sdk";
import { decodeHeaders } from "./message-headers.js";
import { subjectTopic, topicSubject } from "./nats-naming.js";

/** What a core subscription needs from its backend. */
export interface CoreSubscriptionContext {
  /** The connection to subscribe on. */
  nc: NatsConnection;
  /** Subject prefix of the namespace. */
  prefix: string;
  /** Messages buffered before new ones are dropped. */
  bufferSize: number;
  /** Called with each dropped message. */
  onDrop(): void;
  /** Called once when the subscription closes. */
  onClose(subscription: CoreSubscription): void;
}

/** An open core NATS subscription. */
export class CoreSubscription implements PubSubSubscription {
  /** Unique id of this subscription. */
  readonly id = randomUUID();
  private readonly queue: MessageQueue<PubSubMessage>;
  private readonly sub: Subscription;
  private closed = false;

  constructor(
    private readonly context: CoreSubscriptionContext,
    topic: string,
    group: string,
  ) {
    this.queue = new MessageQueue(context.bufferSize, () => void this.close());
    this.sub = context.nc.subscribe(topicSubject(context.prefix, topic), {
      queue: group === "" ? undefined : group,
      callback: (error, msg) => {
        if (error) {
          void this.close();
          return;
        }
        if (!this.queue.push(this.toMessage(msg)) && !this.queue.isClosed) context.onDrop();
      },
    });
  }

  /** Messages dropped because this subscriber's buffer was full. */
  get dropped(): number {
    return this.queue.dropped;
  }

  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage> {
    return this.queue[Symbol.asyncIterator]();
  }

  /** At-most-once messages need no ack: always 0. */
  ack(): Promise<number> {
    return Promise.resolve(0);
  }

  /** Unsubscribes and ends the iteration. Safe to call twice. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    try {
      this.sub.unsubscribe();
    } catch {
      // the connection is already closed: nothing left to unsubscribe
    }
    this.queue.close();
    this.context.onClose(this);
    return Promise.resolve();
  }

  private toMessage(msg: Msg): PubSubMessage {
    const h = decodeHeaders(msg.headers);
    return {
      topic: subjectTopic(this.context.prefix, msg.subject),
      payload: msg.data,
      metadata: h.metadata,
      messageId: h.messageId ?? randomUUID(),
      publishedAtMs: h.publishedAtMs ?? Date.now(),
      deliveryAttempt: 1,
    };
  }
}
