// One port, every protocol: a TCP listener that sniffs the HTTP/2 connection preface and hands the
// socket to an HTTP/2 or an HTTP/1.1 server. On HTTP/2, gRPC calls take the hot path (route by
// namespace, then in-process dispatch or a frame pipe); everything else (Connect, gRPC-Web)
// goes to the Connect front door.
import type { Logger } from "@prism/pattern-sdk";
import { type ErrorSink, respondWithStatus } from "@prism/wire";
import { createServer as createHttp1Server } from "node:http";
import {
  Http2ServerRequest,
  Http2ServerResponse,
  createServer as createHttp2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import type { FrontDoorHandler } from "./connect-front-door.js";
import { namespaceHeader, type NamespaceRouter } from "./namespace-router.js";

/** A listening proxy server. */
export interface ProxyServer {
  /** The TCP listener. */
  readonly tcp: Server;
  /** Stops accepting, lets open calls finish for up to `graceMs`, then closes every connection. */
  close(graceMs: number): Promise<void>;
}

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** A new connection must say which protocol it speaks within this time. */
const firstBytesTimeoutMs = 10_000;
/** An HTTP/1.1 connection idle (or stuck mid-request) for this long is closed. */
const http1IdleTimeoutMs = 120_000;

/** Creates (not yet listening) the proxy's server; connection errors it handles are logged at debug. */
export function createProxyServer(router: NamespaceRouter, frontDoor: FrontDoorHandler, logger: Logger): ProxyServer {
  const onSessionError = (error: Error) => logger.debug(`an HTTP/2 connection failed: ${error.message}`);
  const onSocketError = (error: Error) => logger.debug(`a client connection failed: ${error.message}`);
  const onStreamError = (error: Error) => logger.debug(`a caller's stream failed: ${error.message}`);
  const h2 = createHttp2Server({ settings: { maxConcurrentStreams: 10_000 } });
  const h1 = createHttp1Server({ headersTimeout: 30_000, requestTimeout: 0 }, frontDoor);
  // h1 never listens itself (connections come from the sniffer), so Node's own connection
  // tracking is off: idle timeouts and idle-at-shutdown are handled here.
  h1.timeout = http1IdleTimeoutMs;
  const busyHttp1 = new Set<Socket>();
  h1.on("request", (request, response) => {
    busyHttp1.add(request.socket);
    response.once("close", () => busyHttp1.delete(request.socket));
  });
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  const isHttp2 = new WeakSet<Socket>();

  h2.on("session", (session) => {
    sessions.add(session);
    session.on("error", onSessionError);
    session.once("close", () => sessions.delete(session));
  });
  h2.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const contentType = headers["content-type"];
    if (contentType === "application/grpc" || contentType === "application/grpc+proto") {
      serveGrpc(router, stream, headers, onStreamError);
      return;
    }
    const request = new Http2ServerRequest(stream, headers, {}, rawHeaders);
    const response = new Http2ServerResponse(stream);
    frontDoor(request, response);
  });

  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", onSocketError);
    sniff(socket, (http2) => {
      if (http2) isHttp2.add(socket);
      (http2 ? h2 : h1).emit("connection", socket);
    });
  });

  return {
    tcp,
    close(graceMs) {
      return new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const session of sessions) session.close();
        for (const socket of sockets) {
          if (!busyHttp1.has(socket) && !isHttp2.has(socket)) socket.destroy();
        }
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs).unref();
      });
    },
  };
}

function serveGrpc(router: NamespaceRouter, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, onStreamError: ErrorSink): void {
  const route = router.route(headers[namespaceHeader] as string | undefined, headers[":path"] ?? "");
  if (!route.ok) {
    stream.on("error", onStreamError);
    respondWithStatus(stream, route);
    return;
  }
  route.runtime.serveGrpc(stream, headers);
}

/** Reads the first bytes and tells whether the client speaks HTTP/2 (prior knowledge). */
function sniff(socket: Socket, decide: (isHttp2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  socket.setTimeout(firstBytesTimeoutMs, () => socket.destroy());
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
