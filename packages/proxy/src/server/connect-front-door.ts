// The Connect / gRPC-Web front door (HTTP/1.1 and HTTP/2): connect-node decodes the call, and each
// unary or server-streaming method is forwarded to the namespace's pattern as a decoded message
// (request-streaming methods are gRPC only); admin API calls go to the
// proxy's own handlers, for proxy admins only. gRPC over HTTP/2 skips this.
import type { DescService, Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, createContextKey, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AdminService } from "@prism/proto/admin/v1";
import type { CallContext } from "@prism/wire";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { AdminServiceHandlers } from "../admin/admin-handlers.js";
import type { Authorizer } from "../auth/authorizer.js";
import { permissionOf } from "../auth/method-permissions.js";
import type { CallerIdentity } from "@prism/wire";
import { withCallSpan } from "@prism/pattern-sdk/tracing";
import { apiServices } from "../config/api-names.js";
import type { CallMetrics } from "../metrics/call-metrics.js";
import { type ObservedCall, observeCall } from "./observe-call.js";
import { namespaceHeader, type NamespaceRouter } from "./namespace-router.js";

/** A request handler for both HTTP/1.1 and HTTP/2 compatibility objects. */
export type FrontDoorHandler = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => void;

/** Bounds of the Connect front door. */
export interface ConnectFrontDoorOptions {
  /** Largest request message read now (the largest `limits.maxRequestBytes` of any namespace; read per call, as namespaces change). */
  readMaxBytes: () => number;
  /** Longest deadline (deadline headers are clamped to it before Connect sees them). */
  maxDeadlineMs: number;
  /** Checks callers when the proxy authenticates (undefined: open). */
  authorizer?: Authorizer | undefined;
  /** The admin API's handlers (not served when absent). */
  admin?: AdminServiceHandlers | undefined;
  /** Records every call (absent: metrics are off). */
  calls?: CallMetrics | undefined;
}

/** The caller's address, carried to the handlers (calls per client are bounded on the process hop). */
const clientAddress = createContextKey("unknown", { description: "client address" });

/** Builds the Connect handler serving every API through `router`; rebuilt when the largest accepted request changes. */
export function createConnectFrontDoor(router: NamespaceRouter, options: ConnectFrontDoorOptions): FrontDoorHandler {
  let built: { readMaxBytes: number; handler: FrontDoorHandler } | undefined;
  return (request, response) => {
    const readMaxBytes = options.readMaxBytes();
    if (built?.readMaxBytes !== readMaxBytes) built = { readMaxBytes, handler: buildFrontDoor(router, readMaxBytes, options) };
    built.handler(request, response);
  };
}

function buildFrontDoor(router: NamespaceRouter, readMaxBytes: number, options: ConnectFrontDoorOptions): FrontDoorHandler {
  return connectNodeAdapter({
    readMaxBytes,
    maxTimeoutMs: options.maxDeadlineMs,
    contextValues: (request) => createContextValues().set(clientAddress, request.socket?.remoteAddress ?? "unknown"),
    routes(connect: ConnectRouter) {
      for (const service of Object.values(apiServices)) {
        connect.service(service, forwardingImpl(service, router, options.authorizer, options.calls) as never);
      }
      if (options.admin !== undefined) connect.service(AdminService, adminImpl(options.admin, options.authorizer, options.calls) as never);
    },
  }) as FrontDoorHandler;
}

/** The admin handlers behind the proxy-level admin check, recorded like every call. */
function adminImpl(
  handlers: AdminServiceHandlers,
  authorizer: Authorizer | undefined,
  calls: CallMetrics | undefined,
): Record<string, unknown> {
  const impl: Record<string, unknown> = {};
  for (const method of AdminService.methods) {
    const handler = handlers[method.localName as keyof AdminServiceHandlers] as (
      request: Message,
      context: CallContext,
    ) => Promise<unknown>;
    const path = `/${AdminService.typeName}/${method.name}`;
    impl[method.localName] = async (request: Message, context: HandlerContext) => {
      // The admin service is not namespaced: its calls count under namespace "".
      const call = observeConnectCall(context, path, calls, "");
      try {
        let identity: CallerIdentity | undefined;
        if (authorizer !== undefined) {
          const decision = await authorizer.check(context.requestHeader.get("authorization") ?? undefined, undefined, "admin");
          if (decision instanceof ConnectError) throw decision;
          identity = decision.caller;
        }
        const response = await withCallSpan(call.callSpan, () =>
          handler(request, { signal: context.signal, identity, traceparent: call.traceparent }),
        );
        call.end(0);
        return response;
      } catch (error) {
        call.end(ConnectError.from(error).code);
        throw error;
      }
    };
  }
  return impl;
}

function forwardingImpl(
  service: DescService,
  router: NamespaceRouter,
  authorizer: Authorizer | undefined,
  calls: CallMetrics | undefined,
): Record<string, unknown> {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const path = `/${service.typeName}/${method.name}`;
    const permission = permissionOf(path);
    /** The route of the call and, when the proxy authenticates, its checked caller (throws the refusal). */
    const prepare = async (context: HandlerContext, traceparent: string | undefined) => {
      const route = router.routeOrThrow(context.requestHeader.get(namespaceHeader) ?? undefined, path);
      let identity: CallerIdentity | undefined;
      if (authorizer !== undefined) {
        const decision = await authorizer.check(context.requestHeader.get("authorization") ?? undefined, route.namespace, permission);
        if (decision instanceof ConnectError) throw decision;
        identity = decision.caller;
      }
      const options = {
        signal: context.signal,
        timeoutMs: context.timeoutMs(),
        client: context.values.get(clientAddress),
        identity,
        traceparent,
      };
      return { runtime: route.runtime, options };
    };
    const observe = (context: HandlerContext) => observeConnectCall(context, path, calls, router.absentNamespace);
    if (method.methodKind === "unary") {
      impl[method.localName] = async (request: Message, context: HandlerContext) => {
        const call = observe(context);
        try {
          const response = await withCallSpan(call.callSpan, async () => {
            const { runtime, options } = await prepare(context, call.traceparent);
            return runtime.invokeUnary(path, request, options);
          });
          call.end(0);
          return response;
        } catch (error) {
          call.end(ConnectError.from(error).code);
          throw error;
        }
      };
    } else if (method.methodKind === "server_streaming") {
      impl[method.localName] = async function* (request: Message, context: HandlerContext) {
        const call = observe(context);
        try {
          const { runtime, options } = await withCallSpan(call.callSpan, () => prepare(context, call.traceparent));
          yield* endAtDeadline(runtime.invokeServerStreaming(path, request, options), context);
          call.end(0);
        } catch (error) {
          call.end(ConnectError.from(error).code);
          throw error;
        } finally {
          call.end(1); // the caller left mid-stream: CANCELLED
        }
      };
    } else {
      // Browsers cannot stream a request body, and gRPC-Web has no client streams: one call per message here.
      impl[method.localName] = () => {
        throw new ConnectError(
          `${service.typeName}/${method.name} streams requests and is served over gRPC (HTTP/2) only; ` +
            "over Connect and gRPC-Web, send each message with its unary method",
          Code.Unimplemented,
        );
      };
    }
  }
  return impl;
}

/** Starts recording a Connect call to `path`: observeCall with the call's headers. */
function observeConnectCall(context: HandlerContext, path: string, calls: CallMetrics | undefined, absentNamespace: string): ObservedCall {
  const namespace = context.requestHeader.get(namespaceHeader) ?? undefined;
  return observeCall(calls, { namespace, path, traceparent: context.requestHeader.get("traceparent"), absentNamespace });
}

/**
 * A stream that ends because its deadline passed ends with DEADLINE_EXCEEDED, as on native gRPC,
 * not with success: the pattern's stream simply stops when the call's signal aborts.
 */
async function* endAtDeadline(messages: AsyncIterable<Message>, context: HandlerContext): AsyncIterable<Message> {
  yield* messages;
  const reason: unknown = context.signal.reason;
  if (context.signal.aborted && reason instanceof ConnectError && reason.code === Code.DeadlineExceeded) throw reason;
}
