// One port, every protocol: a TCP listener that admits connections within the overload budget,
// sniffs the HTTP/2 connection preface and hands the socket to an HTTP/2 or an HTTP/1.1 server.
// On HTTP/2, gRPC calls take the hot path (route by namespace, then in-process dispatch or a frame
// pipe); everything else (Connect, gRPC-Web) goes to the Connect front door. Every connection has
// a deadline for its first headers and an idle timeout; streams per connection and header sizes
// are bounded.
import type { Logger } from "@prism/pattern-sdk";
import { createServer as createHttp1Server } from "node:http";
import {
  constants,
  createServer as createHttp2Server,
  Http2ServerRequest,
  Http2ServerResponse,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import type { OverloadConfig } from "../config/overload-config.js";
import type { FrontDoorHandler } from "./connect-front-door.js";
import { ConnectionLimits } from "./connection-limits.js";
import type { NamespaceRouter } from "./namespace-router.js";
import { RateLimitedWarnings } from "./rate-limited-warnings.js";
import { routeGrpcCall } from "./route-grpc-call.js";

/** A listening proxy server. */
export interface ProxyServer {
  /** The TCP listener. */
  readonly tcp: Server;
  /** Client connections open now. */
  readonly connections: number;
  /** Stops accepting connections and asks HTTP/2 clients to go away (GOAWAY); open calls go on. */
  stopAccepting(): void;
  /** Stops accepting, lets open calls finish for up to `graceMs`, then closes every connection. */
  close(graceMs: number): Promise<void>;
}

/** What createProxyServer needs besides the router and the front door. */
export interface ProxyServerOptions {
  /** The overload budget. */
  overload: OverloadConfig;
  /** Where refusals (rate-limited) and handled connection errors (debug) go. */
  logger: Logger;
}

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Open streams of one HTTP/2 connection, and the listener that counts one down. */
interface SessionStreams {
  open: number;
  readonly onStreamClose: () => void;
}

/** Creates (not yet listening) the proxy's server. */
export function createProxyServer(router: NamespaceRouter, frontDoor: FrontDoorHandler, options: ProxyServerOptions): ProxyServer {
  const { overload, logger } = options;
  const warnings = new RateLimitedWarnings(logger);
  const limits = new ConnectionLimits(overload, warnings);
  const onSessionError = (error: Error) => logger.debug(`an HTTP/2 connection failed: ${error.message}`);
  const onSocketError = (error: Error) => logger.debug(`a client connection failed: ${error.message}`);
  const onStreamError = (error: Error) => logger.debug(`a caller's stream failed: ${error.message}`);

  const h2 = createHttp2Server({
    settings: { maxConcurrentStreams: overload.maxStreamsPerConnection, maxHeaderListSize: overload.maxHeaderBytes },
    maxSessionInvalidFrames: 100,
  });
  const h1 = createHttp1Server(
    { headersTimeout: overload.headersTimeoutMs, requestTimeout: overload.requestTimeoutMs, maxHeaderSize: overload.maxHeaderBytes },
    frontDoor,
  );
  h1.timeout = overload.idleTimeoutMs;
  h1.keepAliveTimeout = overload.idleTimeoutMs;
  // Node enforces headersTimeout and requestTimeout from a periodic check that an HTTP server starts
  // when it begins listening. Connections reach h1 from the sniffer instead of its own listener, so
  // start that check here ("listening" is what starts it); without it slow clients are never cut.
  h1.emit("listening");
  const busyHttp1 = new Set<Socket>();
  h1.on("request", (request, response) => {
    busyHttp1.add(request.socket);
    response.once("close", () => busyHttp1.delete(request.socket));
  });

  const sessions = new Map<ServerHttp2Session, SessionStreams>();
  const sockets = new Set<Socket>();
  const isHttp2 = new WeakSet<Socket>();
  /** Set by close(): called once the last connection has closed. */
  let whenNoSockets: (() => void) | undefined;

  h2.on("session", (session) => {
    const streams: SessionStreams = {
      open: 0,
      onStreamClose: () => {
        streams.open--;
      },
    };
    sessions.set(session, streams);
    session.on("error", onSessionError);
    session.once("close", () => sessions.delete(session));
    // Until its first call the connection has headersTimeoutMs; then it may idle idleTimeoutMs
    // between calls. A connection with calls open is never cut for idling (a quiet subscription).
    session.setTimeout(overload.headersTimeoutMs, () => {
      if (streams.open > 0 || session.closed || session.destroyed) return;
      logger.debug("closing an idle HTTP/2 connection", { remote: session.socket?.remoteAddress });
      session.goaway(constants.NGHTTP2_NO_ERROR);
      session.close();
      setTimeout(() => session.destroy(), 1000).unref();
    });
  });
  h2.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const streams = sessions.get(stream.session as ServerHttp2Session);
    if (streams) {
      if (streams.open++ === 0) stream.session?.setTimeout(overload.idleTimeoutMs);
      stream.once("close", streams.onStreamClose);
    }
    const contentType = headers["content-type"];
    if (contentType === "application/grpc" || contentType === "application/grpc+proto") {
      routeGrpcCall(router, stream, headers, onStreamError);
      return;
    }
    const request = new Http2ServerRequest(stream, headers, {}, rawHeaders);
    const response = new Http2ServerResponse(stream);
    frontDoor(request, response);
  });

  const tcp = createTcpServer((socket) => {
    socket.on("error", onSocketError);
    if (!limits.admit(socket)) return;
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) whenNoSockets?.();
    });
    sniff(socket, overload.headersTimeoutMs, (http2) => {
      if (http2) isHttp2.add(socket);
      (http2 ? h2 : h1).emit("connection", socket);
    });
  });

  const stopAccepting = () => {
    if (tcp.listening) tcp.close();
    for (const session of sessions.keys()) session.close();
  };
  return {
    tcp,
    get connections() {
      return limits.open;
    },
    stopAccepting,
    close(graceMs) {
      stopAccepting();
      for (const socket of sockets) {
        if (!busyHttp1.has(socket) && !isHttp2.has(socket)) socket.destroy();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs);
        timer.unref();
        whenNoSockets = () => {
          clearTimeout(timer);
          resolve();
        };
        if (sockets.size === 0) whenNoSockets();
      });
    },
  };
}

/** Reads the first bytes and tells whether the client speaks HTTP/2 (prior knowledge); silent clients are cut after `timeoutMs`. */
function sniff(socket: Socket, timeoutMs: number, decide: (isHttp2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  socket.setTimeout(timeoutMs, () => socket.destroy());
  const onReadable = () => {
    const chunk: Buffer | null = socket.read();
    if (chunk === null) return;
    seen = seen.byteLength === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.byteLength, http2Preface.byteLength);
    const matches = seen.subarray(0, n).equals(http2Preface.subarray(0, n));
    if (matches && n < 4) return; // too little to tell yet
    socket.off("readable", onReadable);
    socket.setTimeout(0);
    socket.unshift(seen);
    decide(matches);
  };
  socket.on("readable", onReadable);
}
