// observeCall: the start of a recorded call, the same for native gRPC (proxy-server.ts) and for the
// Connect / gRPC-Web front door (connect-front-door.ts): it begins the call's metrics (namespace ×
// method) and, when tracing is on, its SERVER span continuing the caller's traceparent (health and
// reflection are not traced); `end` takes the gRPC code the call ended with, once.
import { type CallSpan, endCallSpan, startCallSpan, traceparentOf, tracingEnabled } from "@prism/pattern-sdk/tracing";
import { validTraceparent } from "@prism/wire";
import type { CallEnd, CallMetrics } from "../metrics/call-metrics.js";
import { callSpanAttributes, isTracedPath, spanNameOf } from "../tracing/call-span-attributes.js";

/** A call being recorded: the traceparent to hand on, its span when traced, and how it ends. */
export interface ObservedCall {
  /** The traceparent the pattern gets: the proxy's span, or the caller's own when not traced. */
  readonly traceparent: string | undefined;
  /** The call's span, when tracing is on and it was started. */
  readonly callSpan: CallSpan | undefined;
  /** Ends the call's metrics and span with its gRPC code. */
  readonly end: CallEnd;
}

/** What identifies a call for observeCall. */
export interface CallToObserve {
  /** The `prism-namespace` header as received (several values = not routable). */
  namespace: string | string[] | undefined;
  /** The request path, `/package.Service/Method`. */
  path: string;
  /** The caller's `traceparent` header, as received (only a valid one is continued). */
  traceparent: string | string[] | null | undefined;
  /** The namespace of a call without the header, for the span ("" = required). */
  absentNamespace: string;
}

/** The end of a call that is not recorded. */
const noEnd: CallEnd = () => {};

/** Starts recording `call` (metrics when `calls` is given, a span when tracing is on); see the file comment. */
export function observeCall(calls: CallMetrics | undefined, call: CallToObserve): ObservedCall {
  const endMetrics = calls?.begin(call.namespace, call.path) ?? noEnd;
  const caller = validTraceparent(call.traceparent);
  if (!tracingEnabled() || !isTracedPath(call.path)) return { traceparent: caller, callSpan: undefined, end: endMetrics };
  const namespace = call.namespace ?? call.absentNamespace;
  const callSpan = startCallSpan(
    spanNameOf(call.path),
    caller,
    callSpanAttributes(call.path, typeof namespace === "string" ? namespace : ""),
  );
  if (callSpan === undefined) return { traceparent: caller, callSpan, end: endMetrics };
  return {
    traceparent: traceparentOf(callSpan.span),
    callSpan,
    end: (code) => {
      endMetrics(code);
      if (callSpan.span.isRecording()) endCallSpan(callSpan.span, code);
    },
  };
}
