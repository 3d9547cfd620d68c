// forwardedCallDeadline: the first step of forwarding a call to a process pattern, on either hop:
// the caller's stream errors go to the debug sink, and its grpc-timeout becomes the call's deadline
// (clamped), or the call is answered INVALID_ARGUMENT when the header is malformed.
import { Code } from "@connectrpc/connect";
import { type ErrorSink, ignoreError, malformedTimeoutMessage, parseGrpcTimeout, respondWithStatus } from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";

/** The deadline of the call on `stream` in ms (undefined: none), or "refused" once a malformed grpc-timeout was answered. */
export function forwardedCallDeadline(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  options: { readonly maxDeadlineMs: number; readonly onStreamError?: ErrorSink | undefined },
): number | undefined | "refused" {
  stream.on("error", options.onStreamError ?? ignoreError);
  const timeoutMs = parseGrpcTimeout(headers["grpc-timeout"], options.maxDeadlineMs);
  if (timeoutMs !== "malformed") return timeoutMs;
  respondWithStatus(stream, { code: Code.InvalidArgument, message: malformedTimeoutMessage(headers["grpc-timeout"]) });
  return "refused";
}
