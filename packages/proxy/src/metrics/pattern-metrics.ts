// Metrics of the patterns, gathered when Prometheus scrapes: health state, restarts, RSS and CPU of
// pattern processes, and the traffic counters patterns report in their health details (PubSub
// subscriptions, deliveries, redeliveries, acks, drops; registry identities, listeners and
// multicast outcomes). Nothing is recorded on the call path.
import type { HealthReport } from "@prism/pattern-sdk";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PatternRuntime } from "../patterns/pattern-runtime.js";
import { readProcessUsage } from "./process-usage.js";

/** One served (namespace, API) and its runtime. */
export interface PatternEntry {
  /** Namespace served. */
  readonly namespace: string;
  /** API served. */
  readonly api: string;
  /** The runtime serving it. */
  readonly runtime: PatternRuntime;
}

/** Lists what is served now. */
export type PatternEntries = () => Iterable<PatternEntry>;

/** Health states, each a time series (1 for the current state, 0 for the others). */
const states = ["HEALTHY", "DEGRADED", "UNHEALTHY"] as const;

/**
 * Health-detail counters exported per pattern: API whose binding reports them, detail name, metric
 * name and help (one pattern instance may serve several APIs; each counter comes from its own API's binding).
 */
const detailMetrics = [
  ["pubsub", "subscriptions", "prism_pubsub_subscriptions", "Subscriptions open on the pattern"],
  ["pubsub", "delivered", "prism_pubsub_delivered_total", "Messages delivered to subscribers (redeliveries included)"],
  ["pubsub", "redelivered", "prism_pubsub_redelivered_total", "Deliveries that were redeliveries (attempt above 1)"],
  ["pubsub", "acked", "prism_pubsub_acked_total", "Messages acknowledged by subscribers"],
  ["pubsub", "dropped", "prism_pubsub_dropped_total", "Messages dropped because a subscriber's buffer was full (at-most-once)"],
  ["registry", "identities", "prism_registry_identities", "Identities registered"],
  ["registry", "listeners", "prism_registry_listeners", "Listen streams open"],
] as const;

/** A metric filled at scrape time, and how a value is put into it. */
interface ScrapedValue {
  readonly metric: Gauge | Counter;
  readonly set: (labels: Record<string, string>, value: number) => void;
}

/** Multicast outcomes reported as `multicast_<status>` details. */
const multicastStatuses = ["delivered", "not_listening", "timeout", "failed"] as const;

/** How long a scrape waits for one pattern's health (a hung backend check must not hold every later scrape). */
const healthTimeoutMs = 2000;

/** Longest `pattern` label (a process pattern names itself at Initialize). */
const maxPatternLabel = 64;

/** The runtime's health, or UNHEALTHY when it fails or does not answer within `timeoutMs`. */
async function healthWithin(runtime: PatternRuntime, timeoutMs: number): Promise<HealthReport> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<HealthReport>((resolve) => {
    timer = setTimeout(() => resolve({ status: "UNHEALTHY", message: `no health answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      runtime.health().catch((error: Error): HealthReport => ({ status: "UNHEALTHY", message: error.message })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Registers the pattern metrics on `registry`; values are read from `entries` at each scrape. */
export function registerPatternMetrics(registry: Registry, entries: PatternEntries): void {
  const labelNames = ["namespace", "api", "pattern"] as const;
  // A value read from elsewhere: a counter (name ending _total) is reset and set by inc, a gauge is set.
  const gauge = (name: string, help: string, extra: readonly string[] = []): ScrapedValue => {
    const options = { name, help, labelNames: [...labelNames, ...extra], registers: [] };
    if (!name.endsWith("_total")) {
      const metric = new Gauge(options);
      return { metric, set: (labels, value) => metric.set(labels, value) };
    }
    const metric = new Counter(options);
    return { metric, set: (labels, value) => metric.inc(labels, value) };
  };
  const health = gauge(
    "prism_pattern_health",
    "1 for the pattern's current health state (HEALTHY, DEGRADED, UNHEALTHY), 0 for the others",
    ["state"],
  );
  const restarts = gauge("prism_pattern_restarts_total", "Times the pattern process died and was started again");
  const resident = gauge("prism_pattern_process_resident_memory_bytes", "Resident memory of the pattern process");
  const cpu = gauge("prism_pattern_process_cpu_seconds_total", "User and system CPU time of the pattern process");
  const details = detailMetrics.map(([api, detail, name, help]) => [api, detail, gauge(name, help)] as const);
  const multicast = gauge("prism_registry_multicast_deliveries_total", "Multicast targets by delivery outcome", ["status"]);
  const all = [health, restarts, resident, cpu, ...details.map(([, , each]) => each), multicast].map((each) => each.metric);

  // One collector reads every pattern once per scrape and fills all the gauges.
  let scrape: Promise<void> | undefined;
  const refresh = async () => {
    for (const each of all) each.reset();
    const reports = [...entries()].map(async ({ namespace, api, runtime }) => {
      const report = await healthWithin(runtime, healthTimeoutMs);
      const labels = { namespace, api, pattern: runtime.description.slice(0, maxPatternLabel) };
      for (const state of states) health.set({ ...labels, state }, report.status === state ? 1 : 0);
      restarts.set(labels, runtime.restarts ?? 0);
      const values = report.details ?? {};
      for (const [from, detail, metric] of details) {
        // Details come from the pattern: only finite, non-negative numbers become samples.
        const value = Number(values[detail]);
        if (from === api && values[detail] !== undefined && Number.isFinite(value) && value >= 0) metric.set(labels, value);
      }
      if (api === "registry" && values.multicast_delivered !== undefined) {
        for (const status of multicastStatuses) {
          const value = Number(values[`multicast_${status}`]);
          multicast.set({ ...labels, status }, Number.isFinite(value) && value >= 0 ? value : 0);
        }
      }
      const usage = values.pid === undefined ? undefined : await readProcessUsage(Number(values.pid));
      if (usage !== undefined) {
        resident.set(labels, usage.residentBytes);
        cpu.set(labels, usage.cpuSeconds);
      }
    });
    await Promise.all(reports);
  };
  for (const each of all) {
    // prom-client asks every metric for its values in turn; the first to ask starts one refresh for all.
    const collected = each as unknown as { collect?: () => Promise<void> };
    collected.collect = async () => {
      scrape ??= refresh().finally(() => setImmediate(() => (scrape = undefined)));
      await scrape;
    };
    registry.registerMetric(each);
  }
}
