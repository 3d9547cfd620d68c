// A bounded async queue between a backend's delivery callback and a subscriber's stream.
// When full it drops the new message and counts it (at-most-once: a slow subscriber never slows
// the publisher or other subscribers, and never grows memory without bound).

/** A bounded, dropping async queue; iterate it to consume. */
export class MessageQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;
  /** Messages dropped because the queue was full. */
  dropped = 0;

  constructor(
    /** Most messages held. */
    readonly capacity: number,
    private readonly onClose?: () => void,
  ) {}

  /** Messages waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds a message; returns false (and counts a drop) when full or closed. */
  push(item: T): boolean {
    if (this.closed) return false;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter({ value: item, done: false });
      return true;
    }
    if (this.size >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Removes and returns every queued message, oldest first, without waiting for more. */
  takeQueued(): T[] {
    const taken = this.items.slice(this.head);
    this.items.length = 0;
    this.head = 0;
    return taken;
  }

  /** Ends the iteration once the queued messages are consumed... or at once when `discard`. */
  close(discard = true): void {
    if (this.closed) return;
    this.closed = true;
    if (discard) {
      this.items.length = 0;
      this.head = 0;
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
    this.onClose?.();
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.size > 0) {
          const value = this.items[this.head] as T;
          this.items[this.head++] = undefined as T;
          if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items.splice(0, this.head);
            this.head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
