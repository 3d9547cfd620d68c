// @prism/pattern-sdk/tracing: OpenTelemetry tracing of Prism calls, shared by the proxy and
// pattern processes (a pattern process starts it itself when the OTEL_* variables ask for it).
export {
  activeTraceIds,
  type CallSpan,
  contextOfTraceparent,
  endCallSpan,
  inTraceContext,
  startCallSpan,
  traceparentOf,
  tracingEnabled,
  withCallSpan,
} from "./call-spans.js";
export { otlpTracesUrl, type StartTracingOptions, startTracing, type Tracing } from "./start-tracing.js";
