// The gRPC hot path's first step: route a call by its namespace header and path to the runtime
// serving it, or answer at once with the routing status (unknown or invalid namespace, no such
// API); when the proxy authenticates, check the caller first (synchronously for a known token).
// Admin API calls are not namespace-routed: the proxy serves them itself, to proxy admins only; the
// standard health and reflection services likewise, but to anyone (probes carry no token).
import { ConnectError } from "@connectrpc/connect";
import type { ErrorSink, GrpcMethod, GrpcMethodTable, ServeCallOptions } from "@prism/wire";
import { respondWithStatus, serveGrpcCall } from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { AuthDecision, Authorizer } from "../auth/authorizer.js";
import { permissionOf } from "../auth/method-permissions.js";
import { namespaceHeader, type NamespaceRouter } from "./namespace-router.js";

/** A method served to anyone, given the headers of the call (the health service reads the namespace header). */
export type OpenMethod = (headers: IncomingHttpHeaders) => GrpcMethod;

/** The services the proxy serves itself (the admin API, health, reflection), by path, and how their calls are bounded. */
export interface InProcessServices {
  /** Methods by HTTP/2 path: one lookup tells a data-plane call from the proxy's own. */
  readonly methods: GrpcMethodTable;
  /** Bounds of their calls. */
  readonly callOptions: ServeCallOptions;
  /** Those of `methods` served without authentication (health, reflection), by path; the rest need the proxy admin permission. */
  readonly open?: ReadonlyMap<string, OpenMethod>;
  /** Bounds of the open methods' calls (anyone may make them: smaller requests). */
  readonly openCallOptions?: ServeCallOptions;
}

/** Hands the call on `stream` to its namespace's runtime (or to the proxy's own services), or ends it with the routing status. */
export function routeGrpcCall(
  router: NamespaceRouter,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  onStreamError: ErrorSink,
  authorizer: Authorizer | undefined,
  own?: InProcessServices,
): void {
  const path = headers[":path"] ?? "";
  const method = own?.methods.get(path);
  if (method !== undefined) {
    const open = (own as InProcessServices).open?.get(path);
    if (open !== undefined) {
      const { callOptions, openCallOptions } = own as InProcessServices;
      void serveGrpcCall(stream, headers, open(headers), openCallOptions ?? callOptions);
    } else serveOwnCall(stream, headers, method, own as InProcessServices, onStreamError, authorizer);
    return;
  }
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
  if (!(decision instanceof Promise)) {
    // A remembered token: decided now, no closure on the hot path.
    if (decision instanceof ConnectError) refuse(stream, decision, onStreamError);
    else route.runtime.serveGrpc(stream, headers, decision.caller);
    return;
  }
  decision.then(
    (result) => {
      if (stream.closed || stream.destroyed) return; // the caller left while its token was being verified
      if (result instanceof ConnectError) refuse(stream, result, onStreamError);
      else route.runtime.serveGrpc(stream, headers, result.caller);
    },
    (error: unknown) => refuse(stream, ConnectError.from(error), onStreamError),
  );
}

/** Ends a call the caller may not make with its status. */
function refuse(stream: ServerHttp2Stream, error: ConnectError, onStreamError: ErrorSink): void {
  stream.on("error", onStreamError);
  respondWithStatus(stream, { code: error.code, message: error.rawMessage });
}

/** Serves a call of the proxy's own services once the caller proved the proxy-level admin permission (anyone on an open proxy). */
function serveOwnCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  method: GrpcMethod,
  own: InProcessServices,
  onStreamError: ErrorSink,
  authorizer: Authorizer | undefined,
): void {
  if (authorizer === undefined) {
    void serveGrpcCall(stream, headers, method, own.callOptions);
    return;
  }
  const proceed = (result: AuthDecision) => {
    if (stream.closed || stream.destroyed) return;
    if (result instanceof ConnectError) {
      stream.on("error", onStreamError);
      respondWithStatus(stream, { code: result.code, message: result.rawMessage });
      return;
    }
    void serveGrpcCall(stream, headers, method, own.callOptions, result.caller);
  };
  const decision = authorizer.check(headers.authorization, undefined, "admin");
  if (decision instanceof Promise) decision.then(proceed, (error: unknown) => proceed(ConnectError.from(error)));
  else proceed(decision);
}
