// One port, every protocol: a TCP listener that admits connections within the overload budget,
// sniffs the HTTP/2 connection preface and hands the socket to an HTTP/2 or an HTTP/1.1 server.
// On HTTP/2, gRPC calls take the hot path (route by namespace, then in-process dispatch or a frame
// pipe; admin API calls are served by the proxy itself); everything else (Connect, gRPC-Web) goes
// to the Connect front door. Every connection has a deadline for its first headers and an idle
// timeout; streams per connection and header sizes are bounded. A connection the proxy closes is cut at the socket after a grace period: a client
// that never reads or never closes its side does not keep it.
import type { Logger } from "@prism/pattern-sdk";
import { tracingEnabled, withCallSpan } from "@prism/pattern-sdk/tracing";
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
import type { Authorizer } from "../auth/authorizer.js";
import type { OverloadConfig } from "../config/overload-config.js";
import type { CallMetrics } from "../metrics/call-metrics.js";
import { sentGrpcStatus } from "../metrics/call-status.js";
import { observeCall } from "./observe-call.js";
import type { FrontDoorHandler } from "./connect-front-door.js";
import { ConnectionLimits } from "./connection-limits.js";
import { namespaceHeader, type NamespaceRouter } from "./namespace-router.js";
import { RateLimitedWarnings } from "./rate-limited-warnings.js";
import { type InProcessServices, routeGrpcCall } from "./route-grpc-call.js";

/** A listening proxy server. */
export interface ProxyServer {
  /** The TCP listener. */
  readonly tcp: Server;
  /** Client connections open now. */
  readonly connections: number;
  /** HTTP/2 streams (calls) open now over every connection. */
  readonly streams: number;
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
  /** Checks callers when the proxy authenticates (undefined: open). */
  authorizer?: Authorizer | undefined;
  /** Services the proxy serves itself over gRPC (the admin API). */
  own?: InProcessServices | undefined;
  /** Records every gRPC call (absent: metrics are off). */
  calls?: CallMetrics | undefined;
}

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** How long a connection the proxy closes may take to close before its socket is destroyed. */
const closeGraceMs = 1000;

/** One HTTP/2 connection: its socket, its calls and since when it has had none open. */
interface SessionState {
  /** The TCP socket under the session (closing the session alone waits for the peer). */
  readonly socket: Socket;
  /** Calls open now. */
  open: number;
  /** Whether a call was ever opened (until then the headers timeout applies, after it the idle timeout). */
  called: boolean;
  /** When the last call ended (or the connection opened). */
  idleSince: number;
  /** Set once the proxy decided to close it. */
  cut: boolean;
  readonly onStreamClose: () => void;
}

/** Creates (not yet listening) the proxy's server. */
export function createProxyServer(router: NamespaceRouter, frontDoor: FrontDoorHandler, options: ProxyServerOptions): ProxyServer {
  const { overload, logger, calls } = options;
  const warnings = new RateLimitedWarnings(logger);
  const limits = new ConnectionLimits(overload, warnings);
  const onSessionError = (error: Error) => logger.debug(`an HTTP/2 connection failed: ${error.message}`);
  const onSocketError = (error: Error) => logger.debug(`a client connection failed: ${error.message}`);
  const onStreamError = (error: Error) => logger.debug(`a caller's stream failed: ${error.message}`);

  const h2 = createHttp2Server({
    settings: { maxConcurrentStreams: overload.maxStreamsPerConnection, maxHeaderListSize: overload.maxHeaderBytes },
    maxSessionInvalidFrames: 100,
  });
  // Timeouts are checked this often (Node's own default, 30 s, would let a 1 s headers timeout last 31 s).
  const checkIntervalMs = Math.min(1000, Math.max(50, Math.floor(overload.headersTimeoutMs / 4)));
  const h1 = createHttp1Server(
    {
      // Node refuses a headers timeout longer than the request timeout: the request timeout covers the headers too.
      headersTimeout: Math.min(overload.headersTimeoutMs, overload.requestTimeoutMs),
      requestTimeout: overload.requestTimeoutMs,
      maxHeaderSize: overload.maxHeaderBytes,
      connectionsCheckingInterval: checkIntervalMs,
    },
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

  const sessions = new Map<ServerHttp2Session, SessionState>();
  const sockets = new Set<Socket>();
  const isHttp2 = new WeakSet<Socket>();
  /** Set by close(): called once the last connection has closed. */
  let whenNoSockets: (() => void) | undefined;
  /** The socket whose HTTP/2 session is being created (the "session" event comes synchronously). */
  let connecting: Socket | undefined;

  /** GOAWAY and close; the socket is destroyed after closeGraceMs whatever the peer does. */
  const cut = (session: ServerHttp2Session, state: SessionState, why: string) => {
    if (state.cut) return;
    state.cut = true;
    logger.debug(`closing an HTTP/2 connection: ${why}`, { remote: state.socket.remoteAddress });
    if (!session.closed && !session.destroyed) {
      session.goaway(constants.NGHTTP2_NO_ERROR);
      session.close();
    }
    setTimeout(() => state.socket.destroy(), closeGraceMs).unref();
  };
  // Until its first call a connection has headersTimeoutMs; then it may idle idleTimeoutMs between
  // calls. Only calls count: frames such as PING do not keep a connection without calls open, and a
  // connection with calls open is never cut for idling (a quiet subscription).
  // The verdict is given in the check phase (setImmediate), after this turn's I/O: when the event
  // loop was blocked past a timeout, a request that arrived meanwhile is still waiting to be read
  // when the timer fires, and must be counted before its connection is judged idle.
  const overdue = (state: SessionState, now: number): string | undefined => {
    if (state.open > 0 || state.cut) return undefined;
    if (!state.called && now - state.idleSince >= overload.headersTimeoutMs) return "no call within overload.headersTimeoutMs";
    if (state.called && now - state.idleSince >= overload.idleTimeoutMs) return "idle for overload.idleTimeoutMs";
    return undefined;
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    const suspects = [...sessions].filter(([, state]) => overdue(state, now) !== undefined);
    if (suspects.length === 0) return;
    setImmediate(() => {
      const later = Date.now();
      for (const [session, state] of suspects) {
        const why = overdue(state, later);
        if (why !== undefined) cut(session, state, why);
      }
    });
  }, checkIntervalMs);
  sweep.unref();

  h2.on("session", (session) => {
    const socket = connecting;
    if (!socket) {
      session.destroy();
      return;
    }
    const state: SessionState = {
      socket,
      open: 0,
      called: false,
      idleSince: Date.now(),
      cut: false,
      onStreamClose: () => {
        if (--state.open === 0) state.idleSince = Date.now();
      },
    };
    sessions.set(session, state);
    session.on("error", onSessionError);
    socket.once("close", () => sessions.delete(session));
  });
  h2.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const state = sessions.get(stream.session as ServerHttp2Session);
    if (state) {
      state.open++;
      state.called = true;
      stream.once("close", state.onStreamClose);
    }
    const contentType = headers["content-type"];
    if (contentType === "application/grpc" || contentType === "application/grpc+proto") {
      if (calls !== undefined || tracingEnabled()) {
        const path = headers[":path"] ?? "";
        const call = observeCall(calls, {
          namespace: headers[namespaceHeader],
          path,
          traceparent: headers.traceparent,
          absentNamespace: router.absentNamespace,
        });
        // The call's traceparent becomes the proxy's span, so every hop to the pattern carries it.
        if (call.callSpan !== undefined) headers.traceparent = call.traceparent;
        stream.once("close", () => call.end(sentGrpcStatus(stream)));
        if (call.callSpan !== undefined) {
          withCallSpan(call.callSpan, () => routeGrpcCall(router, stream, headers, onStreamError, options.authorizer, options.own));
          return;
        }
      }
      routeGrpcCall(router, stream, headers, onStreamError, options.authorizer, options.own);
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
      if (!http2) {
        h1.emit("connection", socket);
        return;
      }
      isHttp2.add(socket);
      connecting = socket;
      h2.emit("connection", socket);
      connecting = undefined;
    });
  });

  const stopAccepting = () => {
    if (tcp.listening) tcp.close();
    for (const session of sessions.keys()) session.close();
  };
  tcp.once("close", () => clearInterval(sweep));
  return {
    tcp,
    get connections() {
      return limits.open;
    },
    get streams() {
      // Counted per connection already; summed only when asked (a metrics scrape).
      let open = 0;
      for (const state of sessions.values()) open += state.open;
      return open;
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
