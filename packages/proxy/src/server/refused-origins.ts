// Logging browser origins the CORS config refuses, without letting a flood of them flood the log:
// an origin's first refusal is logged at once, later ones at most once per interval with a count,
// and at most a bounded number of origins are tracked (the rest share one entry).
import type { Logger } from "@prism/pattern-sdk";

/** Origins tracked one by one; beyond this they are counted together. */
const maxTrackedOrigins = 100;

/** Key under which untracked origins are counted. */
const otherOrigins = "(other origins)";

interface OriginRecord {
  /** When this origin was last logged. */
  loggedAt: number;
  /** Refusals since then that were not logged. */
  suppressed: number;
}

/** Rate-limited warnings about refused cross-origin calls. */
export class RefusedOrigins {
  private readonly origins = new Map<string, OriginRecord>();

  constructor(
    private readonly logger: Logger,
    /** Least time between two lines about the same origin. */
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes one refused call (or preflight) from `origin` to `path`; logs when due. */
  note(origin: string, path: string): void {
    const key = this.origins.has(origin) || this.origins.size < maxTrackedOrigins ? origin : otherOrigins;
    const now = this.now();
    const record = this.origins.get(key);
    if (record && now - record.loggedAt < this.intervalMs) {
      record.suppressed++;
      return;
    }
    const more = record && record.suppressed > 0 ? ` (${record.suppressed} more since the last such line)` : "";
    this.origins.set(key, { loggedAt: now, suppressed: 0 });
    this.logger.warn(
      `refused a cross-origin call from ${key === otherOrigins ? `${origin}, one of many origins` : origin} to ${path}${more}: ` +
        "the origin is not in cors.allowOrigins, so the browser blocks the answer",
      { origin: origin.slice(0, 200), path: path.slice(0, 200) },
    );
  }
}
