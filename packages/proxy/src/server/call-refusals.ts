// Calls refused for a bound (request size, buffered bytes, calls per client, a pattern at its
// capacity) are logged as rate-limited warnings, one kind per client address: a flood of refused
// calls costs the log a bounded number of lines, with counts of the ones held back.
import type { Logger } from "@prism/pattern-sdk";
import { RateLimitedWarnings } from "./rate-limited-warnings.js";

/** Notes one refused call: its status message and the client's address. */
export type RefusalLog = (message: string, client: string) => void;

/** A RefusalLog writing rate-limited warnings to `logger`. */
export function createRefusalLog(logger: Logger): RefusalLog {
  const warnings = new RateLimitedWarnings(logger);
  return (message, client) =>
    warnings.warn(
      `call from ${client}`,
      (many) => `refused a call from ${many ? "one of many clients, latest " : ""}${client}: ${message}`,
    );
}
