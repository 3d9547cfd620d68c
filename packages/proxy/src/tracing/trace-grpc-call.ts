// The proxy's span for a gRPC call on its hot path: continues the caller's traceparent, names the
// method and namespace, hands the pattern the proxy's own span as parent (the call's traceparent
// header is replaced before the call is routed, so every hop carries it), and ends with the gRPC
// status the proxy sent.
import { type CallSpan, endCallSpan, startCallSpan, traceparentOf } from "@prism/pattern-sdk/tracing";
import { validTraceparent } from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { sentGrpcStatus } from "../metrics/call-status.js";
import { namespaceHeader } from "../server/namespace-router.js";
import { callSpanAttributes, isTracedPath, spanNameOf } from "./call-span-attributes.js";

/** Starts the call's span (tracing is on), points the call's traceparent at it, and ends it when the stream closes. */
export function traceGrpcCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, absentNamespace: string): CallSpan | undefined {
  const path = headers[":path"] ?? "";
  if (!isTracedPath(path)) return undefined;
  const caller = validTraceparent(headers.traceparent);
  const namespace = headers[namespaceHeader] ?? absentNamespace;
  const callSpan = startCallSpan(spanNameOf(path), caller, callSpanAttributes(path, typeof namespace === "string" ? namespace : ""));
  if (callSpan === undefined) return undefined;
  headers.traceparent = traceparentOf(callSpan.span);
  stream.once("close", () => endCallSpan(callSpan.span, sentGrpcStatus(stream)));
  return callSpan;
}
