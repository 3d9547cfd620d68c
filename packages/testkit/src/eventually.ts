// eventually: polls an assertion until it passes, with a short growing interval and an overall
// bound, so tests wait for asynchronous effects (like a TTL passing) without fixed sleeps.
import { setTimeout as sleep } from "node:timers/promises";

/** Options of `eventually`. */
export interface EventuallyOptions {
  /** Give up (rethrowing the last failure) after this many milliseconds; default 10000. */
  timeoutMs?: number;
  /** First pause between attempts in milliseconds, doubled up to 200; default 10. */
  intervalMs?: number;
}

/** Runs `check` until it resolves and returns its result; rethrows its last error once `timeoutMs` has passed. */
export async function eventually<T>(check: () => Promise<T> | T, options: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let interval = options.intervalMs ?? 10;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await sleep(interval);
    interval = Math.min(interval * 2, 200);
  }
}
