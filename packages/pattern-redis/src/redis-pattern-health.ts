// Health of the whole redis pattern: the command connection's report (PING-based, see redis-health.ts),
// turned DEGRADED while the PubSub subscriber connection is not ready, with the PubSub counters added.
import type { HealthReport } from "@prism/pattern-sdk";
import type { RedisPubSubStats } from "./redis-pubsub.js";

/** What the subscriber connection's part of the health is judged from. */
export interface RedisSubscriberState {
  /** `host:port` of the server. */
  address: string;
  /** ioredis status of the subscriber connection ("ready", "reconnecting", ...). */
  state: string;
  /** Milliseconds since it was last ready; undefined while it is ready. */
  disconnectedForMs: number | undefined;
}

/** Combines the command connection's report with the subscriber connection and PubSub counters. */
export function redisPatternHealth(command: HealthReport, subscriber: RedisSubscriberState, stats: RedisPubSubStats): HealthReport {
  const details: Record<string, string | number | boolean> = { ...command.details, subscriberState: subscriber.state, ...stats };
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
