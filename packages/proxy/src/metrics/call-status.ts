// The gRPC status a finished HTTP/2 call ended with, read from what the proxy sent on its stream
// (trailers, or the headers of a trailers-only answer), whichever path served it.
import type { ServerHttp2Stream } from "node:http2";

/** CANCELLED: the stream closed without a status (the caller reset it or went away). */
const cancelled = 1;

/** The grpc-status sent on `stream`, or CANCELLED when none was sent. */
export function sentGrpcStatus(stream: ServerHttp2Stream): number {
  const value = stream.sentTrailers?.["grpc-status"] ?? stream.sentHeaders?.["grpc-status"];
  if (value === undefined) return cancelled;
  const code = Number(value);
  return Number.isInteger(code) ? code : 2;
}
