// The gRPC hot path's first step: route a call by its namespace header and path to the runtime
// serving it, or answer at once with the routing status (unknown or invalid namespace, no such
// API); when the proxy authenticates, check the caller first (synchronously for a known token).
import { ConnectError } from "@connectrpc/connect";
import type { ErrorSink } from "@prism/wire";
import { respondWithStatus } from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { AuthDecision, Authorizer } from "../auth/authorizer.js";
import { permissionOf } from "../auth/method-permissions.js";
import { namespaceHeader, type NamespaceRouter } from "./namespace-router.js";

/** Hands the call on `stream` to its namespace's runtime, or ends it with the routing status. */
export function routeGrpcCall(
  router: NamespaceRouter,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  onStreamError: ErrorSink,
  authorizer: Authorizer | undefined,
): void {
  const path = headers[":path"] ?? "";
  const route = router.route(headers[namespaceHeader], path);
  if (!route.ok) {
    stream.on("error", onStreamError);
    respondWithStatus(stream, route);
    return;
  }
  if (authorizer === undefined) {
    route.runtime.serveGrpc(stream, headers);
    return;
  }
  const decision = authorizer.check(headers.authorization, route.namespace, permissionOf(path));
  const proceed = (result: AuthDecision) => {
    if (stream.closed || stream.destroyed) return; // the caller left while its token was being verified
    if (result instanceof ConnectError) {
      stream.on("error", onStreamError);
      respondWithStatus(stream, { code: result.code, message: result.rawMessage });
      return;
    }
    route.runtime.serveGrpc(stream, headers, result);
  };
  if (decision instanceof Promise) decision.then(proceed, (error: unknown) => proceed(ConnectError.from(error)));
  else proceed(decision);
}
