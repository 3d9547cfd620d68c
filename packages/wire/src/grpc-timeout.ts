// The gRPC `grpc-timeout` request header (for example "250m", "5S"): parsed into milliseconds,
// clamped to a maximum so no deadline overflows a timer, and told apart from a malformed value.

const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };

/**
 * The longest deadline honoured unless a host configures another: one day. Longer ones are
 * clamped to it (Node timers overflow past ~24.8 days and would fire at once).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const defaultMaxDeadlineMs = 86_400_000;

/**
 * What a grpc-timeout header said: milliseconds, nothing, or something unreadable.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type GrpcTimeout = number | undefined | "malformed";

/**
 * Milliseconds of a grpc-timeout header (at least 1, at most `maxMs`); undefined when absent;
 * "malformed" when present but not 1-8 digits and a unit (H M S m u n).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function parseGrpcTimeout(value: string | string[] | undefined, maxMs = defaultMaxDeadlineMs): GrpcTimeout {
  if (value === undefined) return undefined;
  if (typeof value !== "string") return "malformed";
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) return "malformed";
  const ms = Number(match[1]) * (unitMs[match[2] as string] as number);
  return Math.min(maxMs, Math.max(1, Math.ceil(ms)));
}

/**
 * The status message for a malformed grpc-timeout header (the value itself is not echoed beyond 16 characters).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function malformedTimeoutMessage(value: string | string[] | undefined): string {
  const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 16)) : "several values";
  return `malformed grpc-timeout header ${shown}: expected 1-8 digits and a unit (H, M, S, m, u or n), e.g. "250m"`;
}

/**
 * Formats milliseconds as a grpc-timeout header value (at least 1 ms, rounded up; in seconds when
 * milliseconds would need more than the 8 digits the header allows).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function formatGrpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole <= 99_999_999 ? `${whole}m` : `${Math.ceil(whole / 1000)}S`;
}
