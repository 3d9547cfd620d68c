// Capped, jittered exponential backoff for restarting a pattern process that died.

/** Backoff bounds. */
export interface BackoffOptions {
  /** First delay. */
  initialDelayMs: number;
  /** Largest delay. */
  maxDelayMs: number;
}

/** Delay before restart attempt `attempt` (0-based): doubling from initial, capped, then jittered to 50–100% of that. */
export function restartDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.5 + random() * 0.5));
}
