// Per-call metrics: requests by gRPC code, latency and calls in flight, labelled by namespace, API
// and method. Labels are bounded: a namespace label is only ever a namespace the router serves and
// a method only one of a known service; anything else is counted under namespace="" / method="".
// Recording is plain arithmetic on the (namespace, method)'s own counters, resolved once and kept
// (two map lookups, a timestamp, and at the end a bucket search and four additions); the
// Prometheus samples are built from those counters only when scraped.
import type { Metric, MetricValue, Registry } from "prom-client";
import { grpcCodeName } from "./grpc-code-name.js";
import type { MethodLabels } from "./method-labels.js";

/** Latency buckets in seconds: 50 µs to 10 s, about three per decade. */
export const latencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** gRPC codes 0–16, each counted separately. */
const codeCount = 17;

/** The running counts of one (namespace, method). */
class MethodStats {
  /** Calls open now. */
  inFlight = 0;
  /** Finished calls by numeric code. */
  readonly byCode = new Float64Array(codeCount);
  /** Finished calls per latency bucket (not cumulative; the last slot is +Inf). */
  readonly buckets = new Float64Array(latencyBuckets.length + 1);
  /** Sum of latencies in seconds. */
  sum = 0;

  constructor(
    /** namespace, api and method labels. */
    readonly labels: { readonly namespace: string; readonly api: string; readonly method: string },
  ) {}

  /** Counts a finished call. */
  finish(code: number, seconds: number): void {
    this.inFlight--;
    const slot = code >= 0 && code < codeCount ? code : 2;
    this.byCode[slot] = (this.byCode[slot] as number) + 1;
    let bucket = 0;
    while (bucket < latencyBuckets.length && seconds > (latencyBuckets[bucket] as number)) bucket++;
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    this.sum += seconds;
  }
}

/** Ends the observation of a decoded call (Connect, gRPC-Web) with its gRPC code. */
export type CallEnd = (code: number) => void;

/** Tells whether a namespace is served now (so that only served namespaces become labels). */
export type NamespaceKnown = (namespace: string) => boolean;

/** Records every call the proxy serves. */
export class CallMetrics {
  /** namespace → path → counts. */
  private readonly stats = new Map<string, Map<string, MethodStats>>();
  private readonly unrouted = new MethodStats({ namespace: "", api: "", method: "" });

  constructor(
    registry: Registry,
    /** API label and method name of every known path (`/prism.keyvalue.v1.KeyValueService/Get` → keyvalue, Get; admin calls → admin, …). */
    private readonly methods: ReadonlyMap<string, MethodLabels>,
    private readonly isNamespace: NamespaceKnown,
    /** The namespace of a call without the header ("" = required). */
    private readonly absentNamespace: string,
  ) {
    const all = () => {
      this.forgetRemovedNamespaces();
      const served = [...this.stats.values()].flatMap((byPath) => [...byPath.values()]);
      const unroutedUsed = this.unrouted.inFlight > 0 || this.unrouted.byCode.some((count) => count > 0);
      return unroutedUsed ? [this.unrouted, ...served] : served;
    };
    register(registry, "prism_requests_total", "counter", "Calls the proxy finished, by namespace, API, method and gRPC status code", () =>
      all().flatMap((stats) =>
        [...stats.byCode].flatMap((value, code) => (value > 0 ? [{ value, labels: { ...stats.labels, code: grpcCodeName(code) } }] : [])),
      ),
    );
    register(
      registry,
      "prism_request_duration_seconds",
      "histogram",
      "Time from a call's headers to its status, by namespace, API and method",
      () => all().flatMap((stats) => histogramSamples(stats)),
    );
    register(
      registry,
      "prism_requests_in_flight",
      "gauge",
      "Calls open now (subscriptions and other streams included), by namespace, API and method",
      () => all().map((stats) => ({ value: stats.inFlight, labels: { ...stats.labels } })),
    );
  }

  /** Starts observing a call (its `prism-namespace` header as received); the returned function ends it with its code, once. */
  begin(namespace: string | string[] | undefined, path: string): CallEnd {
    const stats = this.lookup(namespace, path);
    const startedAt = performance.now();
    stats.inFlight++;
    let ended = false;
    return (code) => {
      if (ended) return;
      ended = true;
      stats.finish(code, (performance.now() - startedAt) / 1000);
    };
  }

  /** Drops the counts of namespaces no longer served once none of their calls is open (namespaces deleted through the admin API stop being labels). */
  private forgetRemovedNamespaces(): void {
    for (const [namespace, byPath] of this.stats) {
      if (namespace === "" || this.isNamespace(namespace)) continue;
      if ([...byPath.values()].every((stats) => stats.inFlight === 0)) this.stats.delete(namespace);
    }
  }

  private lookup(header: string | string[] | undefined, path: string): MethodStats {
    const namespace = header === undefined ? this.absentNamespace : header;
    if (typeof namespace !== "string") return this.unrouted;
    const known = this.stats.get(namespace)?.get(path) ?? this.stats.get("")?.get(path);
    if (known !== undefined) return known;
    const method = this.methods.get(path);
    if (method === undefined) return this.unrouted;
    // The proxy's own services are not namespaced; a data-plane call counts under its namespace only once it is served.
    const label = method.namespaced ? namespace : "";
    if (method.namespaced && !this.isNamespace(namespace)) return this.unrouted;
    let byPath = this.stats.get(label);
    if (byPath === undefined) {
      byPath = new Map();
      this.stats.set(label, byPath);
    }
    const made = new MethodStats({ namespace: label, api: method.api, method: method.method });
    byPath.set(path, made);
    return made;
  }
}

/** The cumulative `_bucket`, `_sum` and `_count` samples of one method's latency. */
function histogramSamples(stats: MethodStats): MetricValue<string>[] {
  const samples: MetricValue<string>[] = [];
  let cumulative = 0;
  for (const [index, count] of stats.buckets.entries()) {
    cumulative += count;
    const le = index < latencyBuckets.length ? String(latencyBuckets[index]) : "+Inf";
    samples.push({ value: cumulative, labels: { ...stats.labels, le }, metricName: "prism_request_duration_seconds_bucket" } as never);
  }
  samples.push({ value: stats.sum, labels: { ...stats.labels }, metricName: "prism_request_duration_seconds_sum" } as never);
  samples.push({ value: cumulative, labels: { ...stats.labels }, metricName: "prism_request_duration_seconds_count" } as never);
  return samples;
}

/** Registers a metric whose samples are computed at scrape time from the counters. */
function register(registry: Registry, name: string, type: string, help: string, values: () => MetricValue<string>[]): void {
  const metric = {
    name,
    help,
    type,
    aggregator: "sum",
    async get() {
      return { name, help, type, aggregator: "sum", values: values() };
    },
    reset() {},
  };
  registry.registerMetric(metric as unknown as Metric);
}
