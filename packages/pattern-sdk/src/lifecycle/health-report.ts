// The health a pattern reports: three states plus human-readable details.

/** Three-state health, as in prism.pattern.v1.HealthStatus. */
export type HealthState = "HEALTHY" | "DEGRADED" | "UNHEALTHY";

/** What a pattern's `health()` returns. */
export interface HealthReport {
  /** Overall state. */
  status: HealthState;
  /** Why, when not healthy. */
  message?: string;
  /** Backend facts: latency, connection state, counters (values are shown as strings). */
  details?: Record<string, string | number | boolean>;
}
