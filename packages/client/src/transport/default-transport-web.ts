// createDefaultTransport for browsers (and any fetch runtime): Connect or gRPC-Web via @connectrpc/connect-web.
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { TransportOptions } from "./transport-options.js";

/** Creates a fetch-based transport to the proxy; protocol defaults to "connect". */
export function createDefaultTransport(options: TransportOptions): Transport {
  const common = { baseUrl: options.url, interceptors: options.interceptors ?? [] };
  switch (options.protocol ?? "connect") {
    case "connect":
      return createConnectTransport(common);
    case "grpc-web":
      return createGrpcWebTransport(common);
    case "grpc":
      throw new Error(
        'protocol "grpc" is not available in browsers (they cannot speak native gRPC over HTTP/2): use "connect" or "grpc-web"',
      );
    default:
      throw new Error(`unknown protocol ${JSON.stringify(options.protocol)}: use "connect" or "grpc-web"`);
  }
}

/** Whether the default transport streams request messages: never in browsers (fetch cannot). */
export function streamsRequests(_options: Pick<TransportOptions, "protocol">): boolean {
  return false;
}
