// Test helper: polls a probe with capped exponential backoff until its result passes a check,
// bounded overall, so tests wait for state changes without fixed sleeps.
import { setTimeout as sleep } from "node:timers/promises";

/** Calls `probe` until `done(result)` holds and returns that result; throws after `timeoutMs` naming `what` and the last result. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T> | T,
  done: (result: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last result: ${JSON.stringify(last)}`);
    await sleep(delay);
  }
}
