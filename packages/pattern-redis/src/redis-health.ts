// Health of a redis pattern as a pure function of what the connection reports: HEALTHY when PING
// answers fast, DEGRADED when PING is slow or while reconnecting, UNHEALTHY when Redis has been
// unreachable for too long or PING fails on a live connection.
import type { HealthReport } from "@prism/pattern-sdk";

/** What the health of a Redis connection is judged from. */
export interface RedisHealthInput {
  /** `host:port` of the server. */
  address: string;
  /** ioredis connection status ("ready", "reconnecting", "connecting", "end", ...). */
  state: string;
  /** Milliseconds since the connection was last ready; undefined while it is ready. */
  disconnectedForMs?: number | undefined;
  /** Round trip of the PING just made, in milliseconds; undefined when none was made or it failed. */
  pingMs?: number | undefined;
  /** Why the PING just made failed, if it did. */
  pingError?: string | undefined;
  /** Why the last connection attempt failed, if known. */
  lastError?: string | undefined;
  /** A PING slower than this many milliseconds is DEGRADED. */
  slowPingMs: number;
  /** Disconnected for longer than this many milliseconds is UNHEALTHY. */
  unhealthyAfterMs: number;
}

/** Judges a Redis connection: see the file comment for the rules. */
export function assessRedisHealth(input: RedisHealthInput): HealthReport {
  const { address, state, disconnectedForMs, pingMs, pingError, lastError, slowPingMs, unhealthyAfterMs } = input;
  const details: Record<string, string | number | boolean> = { address, state };
  if (pingMs !== undefined) details.pingMs = pingMs;

  if (disconnectedForMs !== undefined) {
    details.disconnectedForMs = disconnectedForMs;
    if (lastError !== undefined) details.lastError = lastError;
    const cause = lastError !== undefined ? ` (${lastError})` : "";
    if (state === "end") {
      return { status: "UNHEALTHY", message: `the connection to redis at ${address} is closed`, details };
    }
    if (disconnectedForMs > unhealthyAfterMs) {
      return {
        status: "UNHEALTHY",
        message:
          `redis at ${address} unreachable for ${disconnectedForMs} ms ` +
          `(more than unhealthyAfterMs ${unhealthyAfterMs})${cause}; still reconnecting`,
        details,
      };
    }
    return { status: "DEGRADED", message: `reconnecting to redis at ${address} (down for ${disconnectedForMs} ms)${cause}`, details };
  }

  if (pingError !== undefined) {
    details.pingError = pingError;
    return { status: "UNHEALTHY", message: `PING to redis at ${address} failed: ${pingError}`, details };
  }
  if (pingMs !== undefined && pingMs > slowPingMs) {
    return { status: "DEGRADED", message: `PING to redis at ${address} took ${pingMs} ms (more than slowPingMs ${slowPingMs})`, details };
  }
  return { status: "HEALTHY", details };
}
