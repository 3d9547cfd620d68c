// Logging browser origins the CORS config refuses, rate-limited per origin (see RateLimitedWarnings).
import type { Logger } from "@prism/pattern-sdk";
import { RateLimitedWarnings } from "./rate-limited-warnings.js";

/** Rate-limited warnings about refused cross-origin calls. */
export class RefusedOrigins {
  private readonly warnings: RateLimitedWarnings;

  constructor(logger: Logger, intervalMs = 60_000, now: () => number = Date.now) {
    this.warnings = new RateLimitedWarnings(logger, intervalMs, now);
  }

  /** Notes one refused call (or preflight) from `origin` to `path`; logs when due. */
  note(origin: string, path: string): void {
    const shownOrigin = origin.slice(0, 200);
    const shownPath = path.slice(0, 200);
    this.warnings.warn(
      origin,
      (many) =>
        `refused a cross-origin call from ${many ? `${shownOrigin}, one of many origins` : shownOrigin} to ${shownPath}: ` +
        "the origin is not in cors.allowOrigins, so the browser blocks the answer",
      { origin: shownOrigin, path: shownPath },
    );
  }
}
