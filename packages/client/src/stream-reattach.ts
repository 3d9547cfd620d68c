// Re-attaching a long-lived stream (a subscription, a registry listener) on another endpoint after it
// failed UNAVAILABLE, with capped exponential backoff: used when the client has several proxy URLs.
import { UnavailableError } from "./errors/error-classes.js";
import type { PrismError } from "./errors/prism-error.js";

/** What a subscription or listener reports each time it re-attached after losing its stream. */
export type ReattachEvent = {
  /** The failure that ended the previous stream (an UnavailableError). */
  readonly error: PrismError;
  /** How many attempts it took (1 = the first one). */
  readonly attempts: number;
};

/** Backoff of re-attach attempts: 100 ms doubling up to 5 s, at most 10 attempts (about 25 s) before giving up. */
export const reattachBackoff = { initialMs: 100, maxMs: 5_000, maxAttempts: 10 } as const;

/**
 * Opens the stream again until `open` confirms one, waiting between attempts; gives up with the last error after
 * `maxAttempts` UNAVAILABLE failures, at once on any other error, and returns undefined when `signal` aborts.
 */
export async function reattach<T>(
  first: PrismError,
  signal: AbortSignal,
  open: () => Promise<T>,
): Promise<{ stream: T; attempts: number } | undefined> {
  let last = first;
  let delay: number = reattachBackoff.initialMs;
  for (let attempt = 1; attempt <= reattachBackoff.maxAttempts; attempt++) {
    if (!(await sleep(delay, signal))) return undefined;
    try {
      return { stream: await open(), attempts: attempt };
    } catch (error) {
      if (signal.aborted) return undefined;
      if (!(error instanceof UnavailableError)) throw error;
      last = error;
      delay = Math.min(delay * 2, reattachBackoff.maxMs);
    }
  }
  throw last;
}

/**
 * The confirmation of a stream's first attempt. With `retry` (several endpoints), a first attempt that fails
 * UNAVAILABLE is opened again as reattach does; `adopt` takes the stream `open` confirmed and gives its confirmation.
 * The result is also handled, so an unread rejection never goes unhandled.
 */
export function confirmFirstAttempt<S, C>(
  confirmed: Promise<C>,
  retry: boolean,
  signal: AbortSignal,
  open: () => Promise<S>,
  adopt: (stream: S) => C,
): Promise<C> {
  const ready = !retry
    ? confirmed
    : confirmed.catch(async (error: unknown) => {
        if (!(error instanceof UnavailableError) || signal.aborted) throw error;
        const again = await reattach(error, signal, open);
        if (again === undefined) throw error;
        return adopt(again.stream);
      });
  ready.catch(() => {});
  return ready;
}

/** Waits `ms`; false when `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve(!signal.aborted);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
