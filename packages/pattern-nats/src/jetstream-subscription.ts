// An at-least-once subscription on JetStream: a pull loop that never asks for more messages than
// maxInFlight minus the ones still unacked, so nothing is dropped and a slow subscriber only slows
// itself. Acks go to the held JsMsg by message id. On close, messages it received but did not ack
// are nak'ed, so JetStream redelivers them at once (to another member of the group, if any).
import { randomUUID } from "node:crypto";
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { ClosedConnectionError } from "@nats-io/transport-node";
import { type Logger, MessageQueue, type PubSubMessage, type PubSubSubscription } from "@prism/pattern-sdk";
import { type ConsumerSpec, isConsumerNotFound, type OpenedConsumer, openConsumer } from "./jetstream-consumer.js";
import { decodeHeaders } from "./message-headers.js";
import { subjectTopic } from "./nats-naming.js";

/** A pull request waits this long for messages before the loop renews it (nats.js minimum 1000). */
const PULL_EXPIRES_MS = 5000;

/** What a JetStream subscription needs from its backend. */
export interface JetStreamSubscriptionContext {
  /** JetStream client of the connection. */
  js: JetStreamClient;
  /** JetStream manager of the connection. */
  jsm: JetStreamManager;
  /** Subject prefix of the namespace. */
  prefix: string;
  /** Logger for pull failures. */
  logger: Logger;
  /** Called once when the subscription closes. */
  onClose(subscription: JetStreamSubscription): void;
}

/** An open JetStream subscription. */
export class JetStreamSubscription implements PubSubSubscription {
  /** Unique id of this subscription. */
  readonly id = randomUUID();
  private readonly queue: MessageQueue<PubSubMessage>;
  /** Received, not yet acked messages by message id. */
  private readonly pending = new Map<string, JsMsg>();
  private batch: ConsumerMessages | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private lastSeq = 0;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly context: JetStreamSubscriptionContext,
    private readonly spec: ConsumerSpec,
    private opened: OpenedConsumer,
    private readonly maxInFlight: number,
  ) {
    this.queue = new MessageQueue(maxInFlight, () => void this.close());
    this.lastSeq = opened.deliveredSeq;
    this.loop = this.run();
  }

  /** Opens the consumer of `spec` and starts pulling. */
  static async open(context: JetStreamSubscriptionContext, spec: ConsumerSpec): Promise<JetStreamSubscription> {
    const opened = await openConsumer(context.js, context.jsm, spec);
    return new JetStreamSubscription(context, spec, opened, spec.maxAckPending);
  }

  /** Name of the JetStream consumer behind it. */
  get consumerName(): string {
    return this.opened.name;
  }

  /** Messages received and not yet acked. */
  get unacked(): number {
    return this.pending.size;
  }

  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage> {
    return this.queue[Symbol.asyncIterator]();
  }

  /** Acks the pending messages among `messageIds`; returns how many were pending. */
  ack(messageIds: string[]): Promise<number> {
    let acked = 0;
    for (const id of messageIds) {
      const msg = this.pending.get(id);
      if (!msg) continue;
      this.pending.delete(id);
      try {
        msg.ack();
        acked++;
      } catch {
        // connection closed: the message is redelivered after ackWait
      }
    }
    if (acked > 0) this.notify();
    return Promise.resolve(acked);
  }

  /**
   * Stops pulling, ends the iteration and naks every received but unacked message so it is
   * redelivered at once; an ungrouped subscriber's ephemeral consumer is deleted. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.batch?.stop();
    for (const msg of this.pending.values()) nak(msg);
    this.pending.clear();
    this.notify();
    this.context.onClose(this);
    await this.loop;
    if (!this.opened.durable) {
      // not awaited, so closing is quick during an outage; a consumer left behind expires on its own
      this.context.jsm.consumers.delete(this.spec.stream, this.opened.name).catch(() => undefined);
    }
  }

  /** Pulls until closed, asking each time for as many messages as there is room for. */
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const room = this.maxInFlight - this.pending.size;
      if (room <= 0) {
        await this.pause(0);
        continue;
      }
      try {
        const batch = await this.opened.consumer.fetch({ max_messages: room, expires: PULL_EXPIRES_MS });
        this.batch = batch;
        if (this.closed) batch.stop();
        for await (const msg of batch) this.receive(msg);
        failures = 0;
      } catch (error) {
        if (this.closed) break;
        if (error instanceof ClosedConnectionError) {
          void this.close();
          break;
        }
        failures++;
        if (failures === 1) {
          this.context.logger.warn("JetStream pull failed, retrying", { consumer: this.opened.name, error });
        }
        await this.recover();
        await this.pause(Math.min(50 * 2 ** failures, 2000));
      } finally {
        this.batch = undefined;
      }
    }
  }

  /**
   * After a failed pull: recreates the consumer if the server no longer has it, starting at the
   * oldest message this subscriber holds unacked, or after the last one it received.
   */
  private async recover(): Promise<void> {
    try {
      await this.context.jsm.consumers.info(this.spec.stream, this.opened.name);
    } catch (error) {
      if (!isConsumerNotFound(error) || this.closed) return;
      let resumeAt = this.lastSeq > 0 ? this.lastSeq + 1 : 0;
      for (const msg of this.pending.values()) resumeAt = Math.min(resumeAt, msg.seq);
      try {
        this.opened = await openConsumer(this.context.js, this.context.jsm, this.spec, resumeAt, this.opened.name);
        this.context.logger.warn("JetStream consumer was gone and has been recreated", {
          consumer: this.opened.name,
          resumeAtSequence: resumeAt,
        });
      } catch (reopenError) {
        this.context.logger.warn("JetStream consumer is gone and could not be recreated yet", {
          consumer: this.opened.name,
          error: reopenError,
        });
      }
    }
  }

  private receive(msg: JsMsg): void {
    if (this.closed) {
      nak(msg);
      return;
    }
    const h = decodeHeaders(msg.headers);
    const messageId = h.messageId ?? `${msg.info.stream}:${msg.seq}`;
    this.lastSeq = Math.max(this.lastSeq, msg.seq);
    this.pending.set(messageId, msg);
    const delivered = this.queue.push({
      topic: subjectTopic(this.context.prefix, msg.subject),
      payload: msg.data,
      metadata: h.metadata,
      messageId,
      publishedAtMs: h.publishedAtMs ?? Math.floor(msg.info.timestampNanos / 1e6),
      deliveryAttempt: msg.info.deliveryCount,
    });
    if (!delivered) {
      // only a redelivery of a message still queued can overflow: hand it back
      this.pending.delete(messageId);
      nak(msg);
    }
  }

  /** Waits until notify() or `ms` milliseconds (0 = only notify()). */
  private pause(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms > 0 ? setTimeout(() => this.notify(), ms) : undefined;
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Naks `msg`, ignoring a closed connection (the server then redelivers after ackWait). */
function nak(msg: JsMsg): void {
  try {
    msg.nak();
  } catch {
    // connection closed
  }
}
