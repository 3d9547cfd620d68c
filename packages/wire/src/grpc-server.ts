// A lean gRPC server on node:http2 (cleartext, prior knowledge): routes each stream by path to a
// method table and serves it with serveGrpcCall. Patterns use it; the proxy reuses its pieces.
import { Code } from "@connectrpc/connect";
import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import { type ErrorSink, ignoreError } from "./error-sink.js";
import type { GrpcMethod } from "./grpc-method-table.js";
import { respondWithStatus } from "./respond-with-status.js";
import { type ServeCallOptions, serveGrpcCall } from "./serve-grpc-call.js";

/**
 * A started gRPC server.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface GrpcServer {
  /** The underlying HTTP/2 server. */
  readonly server: Http2Server;
  /** Stops accepting connections and closes the open ones (gracefully, then forcibly after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/**
 * Finds the method serving a path, or undefined.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type GrpcMethodLookup = (path: string) => GrpcMethod | undefined;

/**
 * Options of createGrpcServer.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface GrpcServerOptions extends ServeCallOptions {
  /** Errors of connections the server handled (a dropped connection), for a debug log. */
  readonly onConnectionError?: ErrorSink;
  /** Calls a connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); default 10,000. */
  readonly maxStreamsPerConnection?: number;
  /**
   * Node's rapid-reset protection: how many stream resets a connection may send in a burst before
   * it is closed. Raise it only for a trusted peer that cancels many calls at once (the proxy in
   * front of a pattern): a dropped connection fails every call on it. Node 20 ignores it (its limit
   * stays 1,000 and 33 a second); clients pace their resets with resetStream.
   */
  readonly streamResetBurst?: number;
  /** Sustained stream resets per second allowed (see streamResetBurst). */
  readonly streamResetRate?: number;
}

/**
 * Creates a gRPC server serving the methods `lookup` finds; call `server.listen(...)` to start it.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function createGrpcServer(lookup: GrpcMethodLookup, options: GrpcServerOptions = {}): GrpcServer {
  const onConnectionError = options.onConnectionError ?? ignoreError;
  const onStreamError = options.onStreamError ?? ignoreError;
  const server = createServer({
    settings: { maxConcurrentStreams: options.maxStreamsPerConnection ?? 10_000 },
    ...(options.streamResetBurst === undefined ? {} : { streamResetBurst: options.streamResetBurst }),
    ...(options.streamResetRate === undefined ? {} : { streamResetRate: options.streamResetRate }),
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("error", onConnectionError);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    const path = headers[":path"] ?? "";
    const method = lookup(path);
    if (!method) {
      stream.on("error", onStreamError);
      respondWithStatus(stream, { code: Code.Unimplemented, message: `no method ${path} here` });
      return;
    }
    void serveGrpcCall(stream, headers, method, options);
  });
  return {
    server,
    close(graceMs = 2000) {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.close();
        setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, graceMs).unref();
      });
    },
  };
}
