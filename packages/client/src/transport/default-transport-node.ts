// createDefaultTransport for Node.js: gRPC over the lean node:http2 transport (or connect-node's,
// when asked), gRPC-Web or Connect via @connectrpc/connect-node.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { createLeanGrpcTransport } from "./lean-grpc-transport.js";
import type { TransportOptions } from "./transport-options.js";

/** Creates a Node.js transport to the proxy; protocol defaults to "grpc" over HTTP/2 on the lean transport. */
export function createDefaultTransport(options: TransportOptions): Transport {
  const baseUrl = options.url;
  const httpVersion = options.httpVersion ?? "1.1";
  const interceptors = options.interceptors ?? [];
  switch (options.protocol ?? "grpc") {
    case "grpc":
      return grpcTransport(baseUrl, options.nodeTransport ?? "lean", interceptors);
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion, interceptors });
    case "connect":
      return createConnectTransport({ baseUrl, httpVersion, interceptors });
    default:
      throw new Error(`unknown protocol ${JSON.stringify(options.protocol)}: use "grpc", "grpc-web" or "connect"`);
  }
}

/** Whether the default transport for `options` streams request messages (protocol "grpc" over HTTP/2 does). */
export function streamsRequests(options: Pick<TransportOptions, "protocol">): boolean {
  return (options.protocol ?? "grpc") === "grpc";
}

/** The gRPC transport `kind` names. */
function grpcTransport(baseUrl: string, kind: TransportOptions["nodeTransport"], interceptors: Interceptor[]): Transport {
  switch (kind) {
    case "lean":
      return createLeanGrpcTransport({ baseUrl, interceptors });
    case "connect":
      return createGrpcTransport({ baseUrl, interceptors });
    default:
      throw new Error(`unknown nodeTransport ${JSON.stringify(kind)}: use "lean" or "connect"`);
  }
}
