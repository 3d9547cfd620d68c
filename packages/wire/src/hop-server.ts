// createHopServer: a pattern's side of the process hop's framing (hop-frame.ts): unary calls from the
// proxy, each decoded with protobuf-es and run by its handler under its deadline and cancellation,
// the answers written back coalesced per turn of the event loop. Streaming calls stay on HTTP/2.
import { toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createServer, type Server, type Socket } from "node:net";
import { asMessage } from "./as-message.js";
import { CallCancellation } from "./call-cancellation.js";
import { decodeCallerIdentity } from "./caller-identity-header.js";
import type { ErrorSink } from "./error-sink.js";
import { decodeRequest } from "./decode-request.js";
import type { GrpcMethod } from "./grpc-method-table.js";
import { statusFromError } from "./grpc-status.js";
import { encodeHopResponse, type HopFrame, HopFrameReader, HopKind } from "./hop-frame.js";

/**
 * Options of createHopServer.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface HopServerOptions {
  /** Largest request message (the proxy enforces the namespace's limit before it sends). */
  readonly maxRequestBytes: number;
  /** Connection errors, for a debug log. */
  readonly onError?: ErrorSink;
}

/**
 * A hop server: listen with `server`; `close()` stops listening and closes every connection.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface HopServer {
  /** The listening net.Server. */
  readonly server: Server;
  /** Stops accepting and closes the open connections (calls still running are canceled). */
  close(): Promise<void>;
}

/**
 * A server of the hop framing for the methods `lookup` finds (unary ones only).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function createHopServer(lookup: (path: string) => GrpcMethod | undefined, options: HopServerOptions): HopServer {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    serveHopConnection(socket, lookup, options);
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function serveHopConnection(socket: Socket, lookup: (path: string) => GrpcMethod | undefined, options: HopServerOptions): void {
  // Path, identity and framing around the largest message.
  const reader = new HopFrameReader(options.maxRequestBytes + 64 * 1024);
  const calls = new Map<number, CallCancellation>();
  let corked = false;
  const send = (frame: Buffer) => {
    if (socket.destroyed) return;
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  };
  socket.on("data", (chunk: Buffer) => {
    let frames: HopFrame[];
    try {
      frames = reader.push(chunk);
    } catch (error) {
      options.onError?.(error as Error);
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.kind === HopKind.request) void runCall(frame, lookup, calls, send);
      else if (frame.kind === HopKind.cancel) calls.get(frame.id)?.abort(new ConnectError("caller went away", Code.Canceled));
    }
  });
  socket.on("error", (error) => options.onError?.(error));
  socket.on("close", () => {
    for (const call of calls.values()) call.abort(new ConnectError("the proxy's connection closed", Code.Canceled));
    calls.clear();
  });
}

async function runCall(
  frame: Extract<HopFrame, { kind: typeof HopKind.request }>,
  lookup: (path: string) => GrpcMethod | undefined,
  calls: Map<number, CallCancellation>,
  send: (frame: Buffer) => void,
): Promise<void> {
  const { id } = frame;
  const method = lookup(frame.path);
  if (method?.kind !== "unary") {
    send(encodeHopResponse(id, { status: { code: Code.Unimplemented, message: `${frame.path} is not a unary method served here` } }));
    return;
  }
  let request: unknown;
  try {
    request = decodeRequest(method.input, frame.message);
  } catch (error) {
    send(encodeHopResponse(id, { status: statusFromError(error) }));
    return;
  }
  const call = new CallCancellation(
    frame.identity === "" ? undefined : decodeCallerIdentity(frame.identity),
    frame.traceparent === "" ? undefined : frame.traceparent,
  );
  calls.set(id, call);
  const timer =
    frame.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => call.abort(new ConnectError(`deadline of ${frame.timeoutMs} ms exceeded`, Code.DeadlineExceeded)),
          frame.timeoutMs,
        );
  try {
    const response = (await method.handler(request, call)) as object;
    if (call.aborted) return; // the proxy answered already (deadline) or the caller left
    const message = toBinary(method.output, asMessage(method.output, response));
    send(encodeHopResponse(id, { message }));
  } catch (error) {
    if (!call.aborted) send(encodeHopResponse(id, { status: statusFromError(error) }));
  } finally {
    if (timer) clearTimeout(timer);
    calls.delete(id);
  }
}
