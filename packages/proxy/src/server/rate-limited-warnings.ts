// Warnings that an attacker could trigger by the thousand (refused connections, origins, streams):
// the first of a kind is logged at once, later ones at most once per interval with a count of those
// held back, and only a bounded number of kinds are tracked (the rest share one entry).
import type { LogFields, Logger } from "@prism/pattern-sdk";

/** Kinds tracked one by one; beyond this they are counted together. */
const maxTrackedKinds = 100;

/** Key under which untracked kinds are counted. */
const otherKinds = "(others)";

interface KindRecord {
  /** When this kind was last logged. */
  loggedAt: number;
  /** Occurrences since then that were not logged. */
  suppressed: number;
}

/** Rate-limited warnings, keyed by kind (an origin, a client address, a limit's name). */
export class RateLimitedWarnings {
  private readonly kinds = new Map<string, KindRecord>();

  constructor(
    private readonly logger: Logger,
    /** Least time between two lines about the same kind. */
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Notes one occurrence of `kind`; when due, logs `message(many)` (`many` says that this kind is
   * one of many untracked ones) with the count of occurrences held back since the last line.
   */
  warn(kind: string, message: (many: boolean) => string, fields?: LogFields): void {
    const key = this.kinds.has(kind) || this.kinds.size < maxTrackedKinds ? kind : otherKinds;
    const now = this.now();
    const record = this.kinds.get(key);
    if (record && now - record.loggedAt < this.intervalMs) {
      record.suppressed++;
      return;
    }
    const more = record && record.suppressed > 0 ? ` (${record.suppressed} more since the last such line)` : "";
    this.kinds.set(key, { loggedAt: now, suppressed: 0 });
    this.logger.warn(`${message(key === otherKinds)}${more}`, fields);
  }
}
