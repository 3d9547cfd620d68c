// createDefaultTransport for Node.js: gRPC (HTTP/2), gRPC-Web or Connect via @connectrpc/connect-node.
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { TransportOptions } from "./transport-options.js";

/** Creates a Node.js transport to the proxy; protocol defaults to "grpc" over HTTP/2. */
export function createDefaultTransport(options: TransportOptions): Transport {
  const baseUrl = options.url;
  const httpVersion = options.httpVersion ?? "1.1";
  switch (options.protocol ?? "grpc") {
    case "grpc":
      return createGrpcTransport({ baseUrl });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion });
    case "connect":
      return createConnectTransport({ baseUrl, httpVersion });
    default:
      throw new Error(`unknown protocol ${JSON.stringify(options.protocol)}: use "grpc", "grpc-web" or "connect"`);
  }
}
