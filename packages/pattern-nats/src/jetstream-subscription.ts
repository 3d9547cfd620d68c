// An at-least-once subscription on JetStream: a pull loop that never asks for more messages than
// maxInFlight minus the ones still unacked (nor more than its queue has room for), so nothing is
// dropped and a slow subscriber only slows itself. A message left unacked for ackWaitMs stops
// counting: the server redelivers it, and only into a pull request, so holding on to it would stall
// the subscription for good. Acks go to the held JsMsg by message id. On close, messages it received but did not ack
// are nak'ed, so JetStream redelivers them at once (to another member of the group, if any) --
// but only once its last pull request has ended on the server (see settle()); stop() ends that pull
// at once instead of letting it run out.
import { randomUUID } from "node:crypto";
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { ClosedConnectionError } from "@nats-io/transport-node";
import { type Logger, MessageQueue, type PubSubMessage, type PubSubSubscription } from "@prism/pattern-sdk";
import { type ConsumerSpec, isConsumerNotFound, type OpenedConsumer, openConsumer } from "./jetstream-consumer.js";
import { decodeHeaders } from "./message-headers.js";
import { subjectTopic } from "./nats-naming.js";

/** A closed subscription waits at most pullExpiresMs plus this long for its last pull request to end before ending it as stop() does. */
const SETTLE_MARGIN_MS = 2000;
/** ...and then this long more, so that its naks do not meet other members' pull requests expiring at the same moment. */
const NAK_AFTER_PULL_MS = 250;

/** A received message not yet acked. */
interface Held {
  /** The delivery, to ack or nak. */
  msg: JsMsg;
  /** When it was received (performance.now()). */
  receivedAt: number;
}

/** What a JetStream subscription needs from its backend. */
export interface JetStreamSubscriptionContext {
  /** JetStream client of the connection. */
  js: JetStreamClient;
  /** JetStream manager of the connection. */
  jsm: JetStreamManager;
  /** Subject prefix of the namespace. */
  prefix: string;
  /** Logger for pull failures and hand-backs. */
  logger: Logger;
  /** How long a pull request waits for messages before the loop renews it, in milliseconds (nats.js minimum 1000). */
  pullExpiresMs: number;
  /** Whether the connection is up now (a stopping subscription does not wait for replies while it is not). */
  connected(): boolean;
  /** Called once when the subscription closes (settled: resolves once it has handed back its unacked messages). */
  onClose(subscription: JetStreamSubscription, settled: Promise<void>): void;
}

/** An open JetStream subscription. */
export class JetStreamSubscription implements PubSubSubscription {
  /** Unique id of this subscription. */
  readonly id = randomUUID();
  private readonly queue: MessageQueue<PubSubMessage>;
  /** Received, not yet acked messages within their ack wait by message id, oldest first. */
  private readonly pending = new Map<string, Held>();
  /**
   * Messages left unacked past their ack wait (the server redelivers them), at most maxInFlight, oldest first: a late
   * ack is still sent.
   */
  private readonly overdue = new Map<string, JsMsg>();
  private batch: ConsumerMessages | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private settled: Promise<void> | undefined;
  /** Resolves once stop() asks a closed subscription to end its last pull at once. */
  private readonly hurried: Promise<void>;
  private hurry: () => void = () => undefined;
  private lastSeq = 0;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly context: JetStreamSubscriptionContext,
    private readonly spec: ConsumerSpec,
    private opened: OpenedConsumer,
    private readonly maxInFlight: number,
  ) {
    this.queue = new MessageQueue(maxInFlight, () => void this.close());
    this.hurried = new Promise((resolve) => {
      this.hurry = resolve;
    });
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

  /** Messages received and not yet acked, within their ack wait. */
  get unacked(): number {
    return this.pending.size;
  }

  /** Whether one of its pull requests is outstanding (the server holds it until it is filled or expires). */
  get pulling(): boolean {
    return this.batch !== undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage> {
    const messages = this.queue[Symbol.asyncIterator]();
    return {
      next: () => {
        const full = this.queue.size >= this.queue.capacity;
        const next = messages.next();
        // a full queue held the pull back: there is room again
        if (full) this.notify();
        return next;
      },
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /**
   * Acks the pending messages among `messageIds`; returns how many were pending. An ack of a message
   * past its ack wait is still sent (it counts on the server unless the message was redelivered and
   * acked meanwhile, or given up) but not counted: it may well be delivered again.
   */
  ack(messageIds: string[]): Promise<number> {
    this.expire();
    let acked = 0;
    for (const id of messageIds) {
      const held = this.pending.get(id);
      if (!held) {
        const late = this.overdue.get(id);
        this.overdue.delete(id);
        if (late) ackMsg(late);
        continue;
      }
      this.pending.delete(id);
      if (ackMsg(held.msg)) acked++;
    }
    if (acked > 0) this.notify();
    return Promise.resolve(acked);
  }

  /**
   * Ends the iteration and stops pulling; resolves at once. In the background (see settle()) every
   * received but unacked message is then nak'ed, within about pullExpiresMs, and an ungrouped
   * subscriber's ephemeral consumer is deleted; a group's durable consumer is kept, with its unacked
   * and undelivered messages, for the next member. Safe to call twice.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.queue.close();
    this.settled = this.settle();
    this.context.onClose(this, this.settled);
    return Promise.resolve();
  }

  /** Resolves once a closed subscription has handed back its unacked messages (at once while open). */
  whenSettled(): Promise<void> {
    return this.settled ?? Promise.resolve();
  }

  /**
   * Closes it (if open) and ends its outstanding pull request now rather than letting it run out
   * (see settle()); resolves once it has handed back its unacked messages. For shutdown. Safe to call twice.
   */
  stop(): Promise<void> {
    void this.close();
    this.hurry();
    return this.whenSettled();
  }

  /**
   * Hands back what a closed subscription holds. A durable consumer's outstanding pull request is
   * left to end on the server (it expires within pullExpiresMs, or is filled) while its inbox
   * stays subscribed, and what still arrives on it is held too; only then are the held messages
   * nak'ed, a moment later. Older nats-server releases (seen with 2.9.10; fixed upstream by
   * nats-server PR #5338, 2024) mishandle a
   * redelivery that finds only pull requests that are stale (inbox gone) or just expired: they drop
   * it and step the consumer back one stream sequence, so the next member gets the last delivered
   * message again as a first delivery (deliveryAttempt 1, even if it was acked) and the nak'ed ones
   * only after ackWait. Stopping the pull (unsubscribing its inbox) and naking at once left exactly
   * such a stale request behind. stop() (or a last pull that outstays its expiry) does stop the
   * pull, but naks only once the server has dropped the stale request (see dropStalePull()); what
   * was still on its way to the inbox then comes back after ackWait. An ephemeral consumer is
   * deleted right away: its pull is stopped.
   */
  private async settle(): Promise<void> {
    const durable = this.opened.durable;
    this.notify();
    let endedOnServer = true;
    if (durable) {
      let limit: NodeJS.Timeout | undefined;
      const ranOut = await Promise.race([
        this.loop.then(() => true),
        this.hurried.then(() => false),
        new Promise<boolean>((resolve) => {
          limit = setTimeout(() => resolve(false), this.context.pullExpiresMs + SETTLE_MARGIN_MS);
        }),
      ]);
      clearTimeout(limit);
      if (!ranOut && this.batch) {
        this.batch.stop();
        endedOnServer = false;
      }
    } else {
      this.batch?.stop();
    }
    await this.loop;
    let handBack = true;
    if (!endedOnServer) handBack = await this.dropStalePull();
    else if (durable && this.pending.size > 0) await this.pauseUnlessHurried(NAK_AFTER_PULL_MS);
    if (handBack) {
      for (const held of this.pending.values()) nak(held.msg);
    } else if (this.pending.size > 0) {
      this.context.logger.warn(
        "JetStream subscription closed without handing back its unacked messages; they are redelivered after ackWaitMs",
        {
          consumer: this.opened.name,
          unacked: this.pending.size,
        },
      );
    }
    this.pending.clear();
    // overdue ones are the server's to redeliver already
    this.overdue.clear();
    if (!durable) {
      // not awaited, so closing is quick during an outage; a consumer left behind expires on its own
      this.context.jsm.consumers.delete(this.spec.stream, this.opened.name).catch(() => undefined);
    }
  }

  /**
   * After the client stopped an outstanding pull (unsubscribed its inbox), has the server drop that
   * request before anything is nak'ed: a consumer info request, sent after the unsubscribe on the same
   * connection, makes nats-server (2.9 to 2.12 at least) discard the consumer's pull requests whose
   * inbox has no interest left. False when that cannot be confirmed: not connected, or no reply.
   */
  private async dropStalePull(): Promise<boolean> {
    const consumer = this.opened.name;
    if (!this.context.connected()) return false;
    try {
      const info = await this.context.jsm.consumers.info(this.spec.stream, consumer);
      this.context.logger.debug("JetStream pull ended early, the server dropped it", {
        consumer,
        unacked: this.pending.size,
        otherPulls: info.num_waiting,
      });
      return true;
    } catch (error) {
      this.context.logger.warn("JetStream pull ended early, but the server did not confirm dropping it", { consumer, error });
      return false;
    }
  }

  /** Waits `ms` milliseconds, or less once stop() hurries. */
  private async pauseUnlessHurried(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.hurried, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** Pulls until closed, asking each time for as many messages as there is room for. */
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      this.expire();
      const room = Math.min(this.maxInFlight - this.pending.size, this.queue.capacity - this.queue.size);
      if (room <= 0) {
        await this.pause(this.untilOverdue());
        continue;
      }
      try {
        const batch = await this.opened.consumer.fetch({ max_messages: room, expires: this.context.pullExpiresMs });
        if (this.closed) {
          // closed before the pull request was sent (nats.js sends it on the first iteration): send none
          batch.stop();
          break;
        }
        this.batch = batch;
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
      for (const held of this.pending.values()) resumeAt = Math.min(resumeAt, held.msg.seq);
      for (const msg of this.overdue.values()) resumeAt = Math.min(resumeAt, msg.seq);
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
    const h = decodeHeaders(msg.headers);
    const messageId = h.messageId ?? `${msg.info.stream}:${msg.seq}`;
    this.lastSeq = Math.max(this.lastSeq, msg.seq);
    // a redelivery replaces an earlier delivery, moving to the end (pending stays oldest first)
    this.pending.delete(messageId);
    this.overdue.delete(messageId);
    this.pending.set(messageId, { msg, receivedAt: performance.now() });
    // arrived on the last pull request after close: held, and nak'ed with the rest by settle()
    if (this.closed) return;
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

  /** Moves the messages held unacked for ackWaitMs from pending to overdue: the server redelivers them, so they no longer count. */
  private expire(): void {
    const now = performance.now();
    for (const [id, held] of this.pending) {
      if (now - held.receivedAt < this.spec.ackWaitMs) break;
      this.pending.delete(id);
      this.overdue.set(id, held.msg);
      if (this.overdue.size > this.maxInFlight) {
        const oldest = this.overdue.keys().next();
        if (!oldest.done) this.overdue.delete(oldest.value);
      }
    }
  }

  /** Milliseconds until the oldest pending message is overdue (at least 1); 0 when none is pending. */
  private untilOverdue(): number {
    const oldest = this.pending.values().next();
    if (oldest.done) return 0;
    return Math.max(1, Math.ceil(oldest.value.receivedAt + this.spec.ackWaitMs - performance.now()));
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

/** Acks `msg`; false when the connection is closed (the server then redelivers it after ackWait). */
function ackMsg(msg: JsMsg): boolean {
  try {
    msg.ack();
    return true;
  } catch {
    return false;
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
