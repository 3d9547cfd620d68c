// How the NATS connection's facts become a health state: HEALTHY when connected and the round
// trip is fast; DEGRADED while reconnecting (up to unhealthyAfterMs), when slow, or when a ping
// went unanswered; UNHEALTHY when down for longer, closed, never started, or not reachable since
// start (it never served, so there is no grace period).
import type { HealthState } from "@prism/pattern-sdk";

/** Where the connection stands; "connecting" = not reachable since start, still trying in the background. */
export type LinkState = "not started" | "connecting" | "connected" | "reconnecting" | "closed";

/** The facts a health verdict is made from. */
export interface NatsHealthInput {
  /** Server address (connected one, or the configured list). */
  server: string;
  /** Connection state. */
  state: LinkState;
  /** Milliseconds since the connection was lost (while reconnecting), or since start (while connecting). */
  downMs?: number;
  /** Why the last connection attempt failed (while connecting). */
  lastError?: string;
  /** Measured round trip in milliseconds (when connected and it answered). */
  rttMs?: number;
  /** Why the round trip failed (when connected and it did not answer). */
  rttError?: string;
  /** Round trips at or above this many milliseconds are DEGRADED. */
  slowRttMs: number;
  /** Down for longer than this many milliseconds is UNHEALTHY. */
  unhealthyAfterMs: number;
}

/** Health of the connection alone: a state, why, and the facts behind it. */
export interface LinkHealth {
  /** Overall state of the connection. */
  status: HealthState;
  /** Why, when not healthy. */
  message?: string;
  /** Server address, link state and round-trip time (-1 when unknown). */
  details: { server: string; state: LinkState; rttMs: number };
}

/** Judges the connection's health from `input`. */
export function assessNatsHealth(input: NatsHealthInput): LinkHealth {
  const { server, state } = input;
  const rttMs = input.rttMs === undefined ? -1 : Math.round(input.rttMs * 100) / 100;
  const details = { server, state, rttMs };
  if (state === "not started" || state === "closed") {
    return { status: "UNHEALTHY", message: `NATS connection to ${server} is ${state}`, details };
  }
  if (state === "connecting") {
    const cause = input.lastError === undefined ? "" : ` (${input.lastError})`;
    return {
      status: "UNHEALTHY",
      message: `NATS at ${server} has not been reachable since start ${input.downMs ?? 0} ms ago${cause}; reconnecting in the background`,
      details,
    };
  }
  if (state === "reconnecting") {
    const downMs = input.downMs ?? 0;
    return {
      status: downMs > input.unhealthyAfterMs ? "UNHEALTHY" : "DEGRADED",
      message: `disconnected from NATS at ${server} for ${downMs} ms, reconnecting`,
      details,
    };
  }
  if (input.rttError !== undefined || input.rttMs === undefined) {
    return { status: "DEGRADED", message: `NATS at ${server} did not answer a ping: ${input.rttError ?? "no answer"}`, details };
  }
  if (rttMs >= input.slowRttMs) {
    return { status: "DEGRADED", message: `NATS at ${server} is slow: round trip ${rttMs} ms (slowRttMs ${input.slowRttMs})`, details };
  }
  return { status: "HEALTHY", details };
}
