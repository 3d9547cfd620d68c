// TransportOptions: what createDefaultTransport needs to reach a Prism proxy.
import type { Interceptor } from "@connectrpc/connect";

/** Wire protocol spoken to the proxy; the proxy serves all three on one port. */
export type PrismProtocol = "grpc" | "grpc-web" | "connect";

/** Which implementation carries protocol "grpc" on Node: the lean node:http2 transport, or connect-node's. */
export type NodeGrpcTransport = "lean" | "connect";

/** Options for the default transport: proxy URL, protocol and (Node only) HTTP version and gRPC transport. */
export type TransportOptions = {
  /** Base URL of the proxy, e.g. "http://127.0.0.1:8980". */
  url: string;
  /** Wire protocol; defaults to "grpc" on Node and "connect" in browsers. */
  protocol?: PrismProtocol;
  /** HTTP version for "connect" and "grpc-web" on Node (default "1.1"); "grpc" always uses HTTP/2. */
  httpVersion?: "1.1" | "2";
  /** Node only: the implementation of protocol "grpc" (default "lean"); browsers ignore it. */
  nodeTransport?: NodeGrpcTransport;
  /** Connect interceptors run on every call (logging, tracing, headers), whichever transport carries it. */
  interceptors?: Interceptor[];
};
