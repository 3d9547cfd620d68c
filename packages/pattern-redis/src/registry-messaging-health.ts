// The registry messaging slot's part of the redis pattern's health: its counters in the details, and,
// when multicasts travel over NATS, the NATS connection's state (DEGRADED while it is not connected,
// since Listen and Multicast fail meanwhile; KeyValue, PubSub and the registry store still work).
import type { HealthReport } from "@prism/pattern-sdk";
import type { NatsMessagingState } from "./nats-registry-messaging.js";

/** `report` with the messaging `details` added, DEGRADED (unless worse) while the NATS connection `nats` is not connected. */
export function withRegistryMessagingHealth(
  report: HealthReport,
  details: Record<string, string | number | boolean>,
  nats: NatsMessagingState | undefined,
): HealthReport {
  const merged = { ...report.details, ...details };
  if (nats === undefined) return { ...report, details: merged };
  merged.registryMessagingState = nats.state;
  if (report.status === "HEALTHY" && nats.state !== "connected") {
    return {
      status: "DEGRADED",
      message: `the registry messaging connection to NATS at ${nats.address} is ${nats.state}; registry Listen and Multicast fail until it is connected`,
      details: merged,
    };
  }
  return { ...report, details: merged };
}
