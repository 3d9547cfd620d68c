// Spans around calls, on the OpenTelemetry API: a server span per call continuing the caller's
// W3C trace context (a `traceparent` value), the traceparent to hand on to the next hop, and the
// ids of the active span for log lines. Until startTracing() ran, tracing is off and every helper
// returns at its first line, so calls pay nothing for it.
import { type Attributes, type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

/** Whether a tracer provider was started in this process (set by startTracing). */
let enabled = false;

/** The tracer of Prism's own spans. */
const tracer = () => trace.getTracer("prism");

/** Marks tracing on or off in this process (startTracing and its shutdown call it). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

/** Whether calls are traced in this process. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** gRPC codes that mark a server span as failed (OpenTelemetry's RPC conventions): the server's fault, not the caller's. */
const serverErrorCodes = new Set([2, 4, 12, 13, 14, 15]);

/** A span around one call and the context to run the call in. */
export interface CallSpan {
  /** The span. */
  readonly span: Span;
  /** The active context with the span set: run the call's work in it. */
  readonly context: Context;
}

/** The W3C traceparent fields, version 00. */
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context a `traceparent` value continues (the root context for none or a malformed one). */
export function contextOfTraceparent(traceparent: string | undefined): Context {
  const match = traceparent === undefined ? null : traceparentPattern.exec(traceparent);
  if (match === null) return ROOT_CONTEXT;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 1, isRemote: true });
}

/** The traceparent value naming `span` as the parent of the next hop. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & 1) === 1 ? "01" : "00"}`;
}

/** Starts a span for a call (name `package.Service/Method`) under `traceparent`; undefined while tracing is off. */
export function startCallSpan(
  name: string,
  traceparent: string | undefined,
  attributes: Attributes,
  kind: SpanKind = SpanKind.SERVER,
): CallSpan | undefined {
  if (!enabled) return undefined;
  const parent = contextOfTraceparent(traceparent);
  const span = tracer().startSpan(name, { kind, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a call's span with its gRPC status code (and message, for a failure). */
export function endCallSpan(span: Span, code: number, message?: string): void {
  span.setAttribute("rpc.grpc.status_code", code);
  if (serverErrorCodes.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

/** Runs `work` with `callSpan`'s context active (as is, without a span). */
export function withCallSpan<T>(callSpan: CallSpan | undefined, work: () => T): T {
  return callSpan === undefined ? work() : context.with(callSpan.context, work);
}

/** Runs `work` in the trace context `traceparent` names (as is while tracing is off, or without one), so that its log lines carry the trace id. */
export function inTraceContext<T>(traceparent: string | undefined, work: () => T): T {
  if (!enabled || traceparent === undefined) return work();
  return context.with(contextOfTraceparent(traceparent), work);
}

/** The trace and span ids of the active span, for a log line; undefined while tracing is off or outside a span. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!enabled) return undefined;
  const active = trace.getActiveSpan()?.spanContext();
  return active === undefined ? undefined : { trace_id: active.traceId, span_id: active.spanId };
}
