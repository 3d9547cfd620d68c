// LocalSubscription: one open at-most-once subscription fed in process. It owns a bounded MessageQueue
// (full → new messages are dropped and counted) and ends when closed, when iteration ends or when its signal aborts.
import { MessageQueue } from "./message-queue.js";
import type { PubSubMessage, PubSubSubscription } from "./pubsub-backend.js";

/** An open in-process subscription; messages are shared between local subscribers, so treat them as read-only. */
export class LocalSubscription implements PubSubSubscription {
  private readonly queue: MessageQueue<PubSubMessage>;
  private signal: AbortSignal | undefined;
  private readonly onAbort = (): void => this.queue.close();

  constructor(
    /** Unique id. */
    readonly id: string,
    /** Topic or topic filter subscribed to. */
    readonly filter: string,
    /** Consumer group; "" = none. */
    readonly group: string,
    /** Most messages buffered before new ones are dropped. */
    bufferSize: number,
    /** Called once when the subscription ends, however it ends. */
    onEnd: (subscription: LocalSubscription) => void,
  ) {
    this.queue = new MessageQueue<PubSubMessage>(bufferSize, () => {
      this.signal?.removeEventListener("abort", this.onAbort);
      this.signal = undefined;
      onEnd(this);
    });
  }

  /** Ends the subscription when `signal` aborts (at once if it already has). */
  bindSignal(signal: AbortSignal): void {
    if (signal.aborted) {
      this.queue.close();
      return;
    }
    this.signal = signal;
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Queues a message without blocking; false (and a counted drop) when the buffer is full. */
  deliver(message: PubSubMessage): boolean {
    return this.queue.push(message);
  }

  /** Whether a message delivered now would be kept. */
  get hasRoom(): boolean {
    return !this.queue.isClosed && this.queue.size < this.queue.capacity;
  }

  /** Messages waiting to be read. */
  get pending(): number {
    return this.queue.size;
  }

  /** Removes and returns the messages already queued, oldest first, without waiting for more. */
  takeQueued(): PubSubMessage[] {
    return this.queue.takeQueued();
  }

  /** Messages dropped because the buffer was full. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Whether the subscription has ended. */
  get isClosed(): boolean {
    return this.queue.isClosed;
  }

  /** At-most-once: nothing is ever pending, so this returns 0. */
  ack(_messageIds: string[]): Promise<number> {
    return Promise.resolve(0);
  }

  /** Ends the subscription, discarding unread messages. Safe to call twice. */
  close(): Promise<void> {
    this.queue.close();
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage> {
    return this.queue[Symbol.asyncIterator]();
  }
}
