// Health of the whole redis pattern: the command connection's report (PING-based, see redis-health.ts),
// turned DEGRADED while the PubSub subscriber connection is open but not ready, with the PubSub counters
// added. The subscriber connection opens on the first Subscribe; until then only the command connection counts.
import type { HealthReport } from "@prism/pattern-sdk";
import type { RedisConnectionState } from "./redis-connection.js";
import type { RedisPubSubStats } from "./redis-pubsub.js";

/** `subscriberState` in the details while the subscriber connection has not been opened (no Subscribe yet). */
const SUBSCRIBER_NOT_OPEN = "not open";

/** Combines the command connection's report with the subscriber connection (undefined = not opened) and PubSub counters. */
export function redisPatternHealth(
  command: HealthReport,
  subscriber: RedisConnectionState | undefined,
  stats: RedisPubSubStats,
): HealthReport {
  const details: Record<string, string | number | boolean> = {
    ...command.details,
    subscriberState: subscriber?.state ?? SUBSCRIBER_NOT_OPEN,
    ...stats,
  };
  if (subscriber === undefined) return { ...command, details };
  if (subscriber.disconnectedForMs !== undefined) details.subscriberDisconnectedForMs = subscriber.disconnectedForMs;
  if (command.status === "HEALTHY" && subscriber.state !== "ready") {
    const downFor = subscriber.disconnectedForMs === undefined ? "" : ` (down for ${subscriber.disconnectedForMs} ms)`;
    return {
      status: "DEGRADED",
      message:
        `the pubsub subscriber connection to redis at ${subscriber.address} is ${subscriber.state}${downFor}; ` +
        "subscriptions receive nothing until it reconnects",
      details,
    };
  }
  return { ...command, details };
}
