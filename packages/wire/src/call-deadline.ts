// callDeadline: a call's grpc-timeout as its deadline (clamped), or the call answered INVALID_ARGUMENT
// when the header is malformed. Every server of a call reads it the same way: the pattern's, the proxy's
// own, and the proxy's forwarders on both hops.
import { Code } from "@connectrpc/connect";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { malformedTimeoutMessage, parseGrpcTimeout } from "./grpc-timeout.js";
import { respondWithStatus } from "./respond-with-status.js";

/**
 * The deadline of the call on `stream` in ms (undefined: none; longer than `maxDeadlineMs` is clamped),
 * or "refused" once a malformed grpc-timeout was answered.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function callDeadline(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  maxDeadlineMs: number | undefined,
): number | undefined | "refused" {
  const timeoutMs = parseGrpcTimeout(headers["grpc-timeout"], maxDeadlineMs);
  if (timeoutMs !== "malformed") return timeoutMs;
  respondWithStatus(stream, { code: Code.InvalidArgument, message: malformedTimeoutMessage(headers["grpc-timeout"]) });
  return "refused";
}
