// The gRPC hot path's first step: route a call by its namespace header and path to the runtime
// serving it, or answer at once with the routing status (unknown or invalid namespace, no such API).
import type { ErrorSink } from "@prism/wire";
import { respondWithStatus } from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { namespaceHeader, type NamespaceRouter } from "./namespace-router.js";

/** Hands the call on `stream` to its namespace's runtime, or ends it with the routing status. */
export function routeGrpcCall(
  router: NamespaceRouter,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  onStreamError: ErrorSink,
): void {
  const route = router.route(headers[namespaceHeader], headers[":path"] ?? "");
  if (!route.ok) {
    stream.on("error", onStreamError);
    respondWithStatus(stream, route);
    return;
  }
  route.runtime.serveGrpc(stream, headers);
}
