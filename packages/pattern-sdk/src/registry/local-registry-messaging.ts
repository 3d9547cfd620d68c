// LocalRegistryMessaging: the Listen streams held by this instance, by identity, and delivery to
// them. Memstore uses it as its whole messaging slot; networked messaging (Redis, NATS) uses it
// for the receiving end, after a delivery crossed the network to the instance holding the stream.
import { MessageQueue } from "../pubsub/message-queue.js";
import type { DeliveryOutcome, RegistryDelivery, RegistryListener, RegistryMessaging } from "./registry-backend.js";

/** In-process listeners and delivery to them. */
export class LocalRegistryMessaging implements RegistryMessaging {
  private readonly listeners = new Map<string, Set<MessageQueue<RegistryDelivery>>>();
  /** onFirstListener of an identity while it runs: later listeners of that identity wait for it too. */
  private readonly pending = new Map<string, Promise<void>>();
  private count = 0;

  constructor(
    /** Deliveries held for one slow listener before a delivery to it is FAILED. */
    private readonly queueCapacity: number,
    /** Called when the first listener of an identity opens (a networked slot subscribes then). */
    private readonly onFirstListener?: (identity: string) => Promise<void> | void,
    /** Called when the last listener of an identity closes. */
    private readonly onLastListenerGone?: (identity: string) => void,
  ) {}

  async listen(identity: string, signal: AbortSignal): Promise<RegistryListener> {
    let set = this.listeners.get(identity);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.listeners.set(identity, set);
    }
    const queues = set;
    const queue: MessageQueue<RegistryDelivery> = new MessageQueue<RegistryDelivery>(this.queueCapacity, () => {
      if (!queues.delete(queue)) return;
      this.count--;
      signal.removeEventListener("abort", onAbort);
      if (queues.size === 0 && this.listeners.get(identity) === queues) {
        this.listeners.delete(identity);
        this.pending.delete(identity);
        this.onLastListenerGone?.(identity);
      }
    });
    const onAbort = () => queue.close();
    queues.add(queue);
    this.count++;
    signal.addEventListener("abort", onAbort, { once: true });
    if (first && this.onFirstListener !== undefined) {
      const onFirstListener = this.onFirstListener;
      const ready = (async () => onFirstListener(identity))();
      this.pending.set(identity, ready);
      ready.then(
        () => {
          if (this.pending.get(identity) === ready) this.pending.delete(identity);
        },
        () => undefined,
      );
    }
    // Not in place before the first listener's subscription is (a second Listen may arrive meanwhile).
    const ready = this.pending.get(identity);
    if (ready !== undefined) {
      try {
        await ready;
      } catch (error) {
        queue.close();
        throw error;
      }
    }
    if (signal.aborted) queue.close();
    return { [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](), close: () => queue.close() };
  }

  async deliver(targets: readonly string[], delivery: RegistryDelivery): Promise<DeliveryOutcome[]> {
    return targets.map((identity) => this.deliverHere(identity, delivery));
  }

  /** Delivers to the listeners of `identity` held here: DELIVERED when one accepted it. */
  deliverHere(identity: string, delivery: RegistryDelivery): DeliveryOutcome {
    const queues = this.listeners.get(identity);
    if (queues === undefined || queues.size === 0) return { status: "NOT_LISTENING" };
    let accepted = false;
    for (const queue of queues) if (queue.push(delivery)) accepted = true;
    return accepted
      ? { status: "DELIVERED" }
      : { status: "FAILED", message: "the listener's queue is full (it is not reading its deliveries)" };
  }

  /** Whether a listener of `identity` is open here. */
  isListening(identity: string): boolean {
    return (this.listeners.get(identity)?.size ?? 0) > 0;
  }

  listenerCount(): number {
    return this.count;
  }

  /** Ends every listener (the pattern is stopping). */
  closeAll(): void {
    for (const queues of [...this.listeners.values()]) for (const queue of [...queues]) queue.close();
  }
}
