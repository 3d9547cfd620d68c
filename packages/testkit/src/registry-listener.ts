// The test side of one Listen stream: opens Listen, waits for the `listening` event, collects the
// deliveries in the background, waits for them by bounded polling and closes by aborting the call.
import type { Delivery, ListenResponse } from "@prism/proto/registry/v1";
import { vi } from "vitest";
import type { RegistryCaller } from "./registry-acceptance-options.js";

/** Options of `openListener`. */
export interface ListenerOptions {
  /** Presence: the registration ends when this stream ends; default false. */
  unregisterOnClose?: boolean;
  /** How long to wait for the `listening` event, in milliseconds; default 15000. */
  readyTimeoutMs?: number;
}

/** How long `waitFor` waits by default, in milliseconds. */
const DEFAULT_WAIT_MS = 15_000;
/** How long `close` waits for the stream to end after aborting it, in milliseconds. */
const CLOSE_BOUND_MS = 10_000;

/** An open Listen stream as seen by a test. */
export interface RegistryListenerHandle {
  /** The identity listened for. */
  readonly identity: string;
  /** Every delivery received so far, in arrival order. */
  readonly deliveries: readonly Delivery[];
  /** Whether the stream has ended, by close() or otherwise. */
  readonly ended: boolean;
  /** Why the stream ended when close() did not end it (undefined while open or after a clean close). */
  readonly failure: unknown;
  /** Waits until at least `count` deliveries arrived; returns a copy of them. Fails early if the stream ends. */
  waitFor(count: number, timeoutMs?: number): Promise<Delivery[]>;
  /** Aborts the call and waits (bounded) for the stream to end. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens Listen for `identity` and resolves once its `listening` event arrived; rethrows the call's error (e.g. NOT_FOUND) as is. */
export async function openListener(
  client: RegistryCaller,
  identity: string,
  options: ListenerOptions = {},
): Promise<RegistryListenerHandle> {
  const controller = new AbortController();
  const events = client
    .listen({ identity, unregisterOnClose: options.unregisterOnClose ?? false }, { signal: controller.signal })
    [Symbol.asyncIterator]();
  const readyMs = options.readyTimeoutMs ?? DEFAULT_WAIT_MS;
  let first: Awaited<ReturnType<typeof events.next>>;
  try {
    first = await withTimeout(events.next(), readyMs, `no "listening" event for ${JSON.stringify(identity)} within ${readyMs} ms`);
  } catch (error) {
    controller.abort();
    throw error;
  }
  const event = first.done ? undefined : first.value.event;
  if (event?.case !== "listening") {
    controller.abort();
    throw new Error(`the first event of Listen ${JSON.stringify(identity)} was ${event?.case ?? "the end of the stream"}, not "listening"`);
  }
  if (event.value.identity !== identity) {
    controller.abort();
    throw new Error(`the "listening" event of Listen ${JSON.stringify(identity)} names ${JSON.stringify(event.value.identity)}`);
  }
  return new Listener(identity, controller, events);
}

/** What `openListener` returns. */
class Listener implements RegistryListenerHandle {
  readonly deliveries: Delivery[] = [];
  ended = false;
  failure: unknown;
  private closing = false;
  private readonly pumped: Promise<void>;

  constructor(
    readonly identity: string,
    private readonly controller: AbortController,
    events: AsyncIterator<ListenResponse>,
  ) {
    this.pumped = this.pump(events);
  }

  async waitFor(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Delivery[]> {
    const outcome = await vi.waitFor(
      () => {
        if (this.deliveries.length >= count) return "done";
        if (this.ended || this.failure !== undefined) return "ended";
        throw new Error(`${this.describe()} received ${this.deliveries.length} of ${count} deliveries within ${timeoutMs} ms`);
      },
      { timeout: timeoutMs, interval: 10 },
    );
    if (outcome === "ended") {
      const reason = this.failure === undefined ? "the stream ended" : `the stream failed: ${String(this.failure)}`;
      throw new Error(`${this.describe()} received only ${this.deliveries.length} of ${count} deliveries: ${reason}`);
    }
    return [...this.deliveries];
  }

  async close(): Promise<void> {
    this.closing = true;
    this.controller.abort();
    await withTimeout(this.pumped, CLOSE_BOUND_MS, `${this.describe()} did not end within ${CLOSE_BOUND_MS} ms of aborting it`);
  }

  /** Reads events until the stream ends; a failure is kept unless close() caused it. */
  private async pump(events: AsyncIterator<ListenResponse>): Promise<void> {
    try {
      for (;;) {
        const result = await events.next();
        if (result.done) break;
        const { event } = result.value;
        if (event.case !== "delivery") {
          this.failure ??= new Error(`${this.describe()} sent a ${event.case ?? "empty"} event after "listening"`);
          continue;
        }
        this.deliveries.push(event.value);
      }
    } catch (error) {
      if (!this.closing) this.failure = error;
    } finally {
      this.ended = true;
    }
  }

  private describe(): string {
    return `Listen ${JSON.stringify(this.identity)}`;
  }
}

/** `promise`, or a rejection with `message` after `ms` milliseconds. */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
