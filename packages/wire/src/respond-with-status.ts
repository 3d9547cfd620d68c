// How a gRPC call is answered on its HTTP/2 stream when it has one answer: a trailers-only status, or
// one response message followed by OK trailers. The servers (pattern, proxy, forwarders) share these.
import type { OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { type GrpcStatus, statusTrailers } from "./grpc-status.js";

/**
 * Trailers of a call that succeeded.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const okTrailers: OutgoingHttpHeaders = { "grpc-status": "0" };

/**
 * Response headers of a gRPC answer.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const responseHeaders: OutgoingHttpHeaders = { ":status": 200, "content-type": "application/grpc" };

/**
 * Ends a call that never produced a response with a trailers-only status.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function respondWithStatus(stream: ServerHttp2Stream, status: GrpcStatus): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    stream.close();
    return;
  }
  stream.respond({ ...responseHeaders, ...statusTrailers(status) }, { endStream: true });
}

/**
 * Answers a unary call with its one response `frame` (a gRPC message frame) and OK trailers, unless it was answered already.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function respondWithMessage(stream: ServerHttp2Stream, frame: Uint8Array): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(responseHeaders, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(okTrailers));
  stream.end(frame);
}
