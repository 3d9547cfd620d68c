// The proxy's Prometheus registry: per-call metrics, pattern metrics, the proxy's own connections
// and streams, and Node's process metrics (event-loop lag, heap, GC, CPU, memory) from prom-client.
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { CallMetrics, type NamespaceKnown } from "./call-metrics.js";
import type { SharedState } from "../config-source/shared-namespaces.js";
import type { MethodLabels } from "./method-labels.js";
import { type PatternEntries, registerPatternMetrics } from "./pattern-metrics.js";

/** What the proxy's metrics read their values from. */
export interface ProxyMetricsSources {
  /** API label and method name of every path the proxy serves. */
  readonly methods: ReadonlyMap<string, MethodLabels>;
  /** Whether a namespace is served now. */
  readonly isNamespace: NamespaceKnown;
  /** The namespace of a call without the header. */
  readonly absentNamespace: string;
  /** The served patterns. */
  readonly patterns: PatternEntries;
  /** Where the namespaces stand against a shared config source (absent: prism.yaml's own). */
  readonly config?: (() => SharedState) | undefined;
  /** Client connections and HTTP/2 streams open now (set once the server exists). */
  server?: { readonly connections: number; readonly streams: number };
}

/** Every metric the proxy exports. */
export class ProxyMetrics {
  /** The registry scraped at /metrics. */
  readonly registry = new Registry();
  /** Per-call recording (the hot path's part). */
  readonly calls: CallMetrics;

  constructor(
    /** Where values come from; `server` is set once the server exists. */
    readonly sources: ProxyMetricsSources,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.calls = new CallMetrics(this.registry, sources.methods, sources.isNamespace, sources.absentNamespace);
    registerPatternMetrics(this.registry, sources.patterns);
    if (sources.config !== undefined) this.registerConfigState(sources.config);
    new Gauge({
      name: "prism_proxy_connections",
      help: "Client connections open now (HTTP/1.1 and HTTP/2)",
      registers: [this.registry],
      collect() {
        this.set(sources.server?.connections ?? 0);
      },
    });
    new Gauge({
      name: "prism_proxy_streams",
      help: "HTTP/2 streams (calls) open now over all client connections",
      registers: [this.registry],
      collect() {
        this.set(sources.server?.streams ?? 0);
      },
    });
  }

  /** Registers the config revision gauges when namespaces come from a shared source. */
  private registerConfigState(config: () => SharedState): void {
    new Gauge({
      name: "prism_config_revision",
      help: "The revision of the shared namespaces bucket this proxy runs (all proxies agree when equal)",
      registers: [this.registry],
      collect() {
        this.set(config().revision);
      },
    });
    new Gauge({
      name: "prism_config_source_connected",
      help: "1 while the connection to the shared namespaces source (NATS) is up",
      registers: [this.registry],
      collect() {
        this.set(config().connected ? 1 : 0);
      },
    });
  }

  /** The metrics in Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of render()'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
