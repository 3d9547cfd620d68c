// Polls an assertion until it passes or a bound runs out: waiting on a condition, never a fixed sleep.
import { setTimeout as sleep } from "node:timers/promises";

/** Retries `check` every `intervalMs` until it stops throwing; rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(intervalMs);
    }
  }
}
