// Starts OpenTelemetry tracing for this process: a tracer provider exporting over OTLP/HTTP (or to
// a given exporter, e.g. an in-memory one in tests), the AsyncLocalStorage context manager and the
// W3C trace-context propagator. The SDK is loaded only here, so a process that does not trace
// never loads it.
import { setTracingEnabled } from "./call-spans.js";

/** Where spans go, and as which service. */
export interface StartTracingOptions {
  /** service.name of this process's spans. */
  serviceName: string;
  /** OTLP/HTTP base URL (`/v1/traces` is appended); default: the standard OTEL_EXPORTER_OTLP_* variables. */
  otlpEndpoint?: string | undefined;
  /** Export to this exporter instead of OTLP (spans are sent one by one, as they end): for tests. */
  exporter?: import("@opentelemetry/sdk-trace-base").SpanExporter | undefined;
  /** More resource attributes (e.g. the pattern's name). */
  attributes?: Record<string, string> | undefined;
  /** Environment to read OTEL_* variables from (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}

/** Running tracing. */
export interface Tracing {
  /** Where spans are exported (a URL, or "the given exporter"). */
  readonly destination: string;
  /** Sends what is buffered and stops tracing. */
  shutdown(): Promise<void>;
}

/** The OTLP traces URL the options and environment ask for, or undefined for none. */
export function otlpTracesUrl(otlpEndpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED === "true") return undefined;
  if (otlpEndpoint) return `${otlpEndpoint.replace(/\/+$/, "")}/v1/traces`;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`;
  return undefined;
}

/** Starts tracing when an exporter or an OTLP endpoint is given (in the options or the environment); undefined = tracing stays off. */
export async function startTracing(options: StartTracingOptions): Promise<Tracing | undefined> {
  const url = options.exporter === undefined ? otlpTracesUrl(options.otlpEndpoint, options.env) : undefined;
  if (options.exporter === undefined && url === undefined) return undefined;
  const [{ NodeTracerProvider }, { BatchSpanProcessor, SimpleSpanProcessor }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
  ]);
  let processor: import("@opentelemetry/sdk-trace-base").SpanProcessor;
  if (options.exporter !== undefined) {
    processor = new SimpleSpanProcessor(options.exporter);
  } else {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName, ...options.attributes }),
    spanProcessors: [processor],
  });
  provider.register();
  setTracingEnabled(true);
  return {
    destination: url ?? "the given exporter",
    async shutdown() {
      setTracingEnabled(false);
      await provider.shutdown();
    },
  };
}
