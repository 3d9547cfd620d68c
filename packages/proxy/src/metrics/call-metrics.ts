// Per-call metrics: requests by gRPC code, latency and calls in flight, labelled by namespace, API
// and method. Labels are bounded: a namespace label is only ever a namespace the router serves and
// a method only one of a known service; anything else is counted under namespace="" / method="".
// The instruments of each (namespace, method) are resolved once and kept, so recording a call is
// two map lookups, a timestamp and, when it ends, three updates.
import type { ServerHttp2Stream } from "node:http2";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { sentGrpcStatus } from "./call-status.js";
import { grpcCodeName } from "./grpc-code-name.js";
import type { MethodLabels } from "./method-labels.js";

/** Latency buckets in seconds: 50 µs to 10 s, about three per decade. */
export const latencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The instruments of one (namespace, method). */
interface MethodInstruments {
  readonly labels: readonly [namespace: string, api: string, method: string];
  readonly inFlight: Gauge.Internal<string>;
  readonly latency: Histogram.Internal<string>;
  /** Request counters by numeric code, made on first use. */
  readonly byCode: Counter.Internal[];
}

/** Ends the observation of a decoded call (Connect, gRPC-Web) with its gRPC code. */
export type CallEnd = (code: number) => void;

/** Tells whether a namespace is served now (so that only served namespaces become labels). */
export type NamespaceKnown = (namespace: string) => boolean;

/** Records every call the proxy serves. */
export class CallMetrics {
  private readonly requests: Counter<string>;
  private readonly latency: Histogram<string>;
  private readonly inFlight: Gauge<string>;
  /** namespace → path → instruments. */
  private readonly instruments = new Map<string, Map<string, MethodInstruments>>();
  private readonly unrouted: MethodInstruments;

  constructor(
    registry: Registry,
    /** API label and method name of every known path (`/prism.keyvalue.v1.KeyValueService/Get` → keyvalue, Get; admin calls → admin, …). */
    private readonly methods: ReadonlyMap<string, MethodLabels>,
    private readonly isNamespace: NamespaceKnown,
    /** The namespace of a call without the header ("" = required). */
    private readonly absentNamespace: string,
  ) {
    const labelNames = ["namespace", "api", "method"];
    this.requests = new Counter({
      name: "prism_requests_total",
      help: "Calls the proxy finished, by namespace, API, method and gRPC status code",
      labelNames: [...labelNames, "code"],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: "prism_request_duration_seconds",
      help: "Time from a call's headers to its status, by namespace, API and method",
      labelNames,
      buckets: latencyBuckets,
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: "prism_requests_in_flight",
      help: "Calls open now (subscriptions and other streams included), by namespace, API and method",
      labelNames,
      registers: [registry],
    });
    this.unrouted = this.make("", "", "");
  }

  /** Observes a gRPC call on `stream` until the stream closes; its code is what the proxy sent. */
  observeStream(stream: ServerHttp2Stream, namespace: string | string[] | undefined, path: string): void {
    const instruments = this.lookup(namespace, path);
    const startedAt = performance.now();
    instruments.inFlight.inc();
    stream.once("close", () => this.finish(instruments, startedAt, sentGrpcStatus(stream)));
  }

  /** Starts observing a decoded call; the returned function ends it with its code. */
  begin(namespace: string | undefined, path: string): CallEnd {
    const instruments = this.lookup(namespace, path);
    const startedAt = performance.now();
    instruments.inFlight.inc();
    let ended = false;
    return (code) => {
      if (ended) return;
      ended = true;
      this.finish(instruments, startedAt, code);
    };
  }

  private finish(instruments: MethodInstruments, startedAt: number, code: number): void {
    instruments.inFlight.dec();
    instruments.latency.observe((performance.now() - startedAt) / 1000);
    let counter = instruments.byCode[code];
    if (counter === undefined) {
      counter = this.requests.labels(...instruments.labels, grpcCodeName(code));
      instruments.byCode[code] = counter;
    }
    counter.inc();
  }

  private lookup(header: string | string[] | undefined, path: string): MethodInstruments {
    const namespace = header === undefined ? this.absentNamespace : header;
    if (typeof namespace !== "string") return this.unrouted;
    const known = this.instruments.get(namespace)?.get(path) ?? this.instruments.get("")?.get(path);
    if (known !== undefined) return known;
    const method = this.methods.get(path);
    if (method === undefined) return this.unrouted;
    if (!method.namespaced) return this.own(path, method);
    if (!this.isNamespace(namespace)) return this.unrouted;
    const made = this.make(namespace, method.api, method.method);
    let byPath = this.instruments.get(namespace);
    if (byPath === undefined) {
      byPath = new Map();
      this.instruments.set(namespace, byPath);
    }
    byPath.set(path, made);
    return made;
  }

  /** The instruments of a method of the proxy's own services (labelled namespace=""). */
  private own(path: string, method: MethodLabels): MethodInstruments {
    let byPath = this.instruments.get("");
    if (byPath === undefined) {
      byPath = new Map();
      this.instruments.set("", byPath);
    }
    let made = byPath.get(path);
    if (made === undefined) {
      made = this.make("", method.api, method.method);
      byPath.set(path, made);
    }
    return made;
  }

  private make(namespace: string, api: string, method: string): MethodInstruments {
    const labels = [namespace, api, method] as const;
    return { labels, inFlight: this.inFlight.labels(...labels), latency: this.latency.labels(...labels), byCode: [] };
  }
}
