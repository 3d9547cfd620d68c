// The memory attack on Connect / gRPC-Web over HTTP/1.1: many connections, each a POST whose body
// is large (declared, or chunked with no length at all) and sent as fast as the proxy reads it,
// never finished. Reports the answer each connection got and whether the proxy closed it.
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { openSocket } from "./h2-frames.js";
import { postHead } from "./raw-http1.js";
import type { WebProtocol } from "./call-answers.js";

/** Options of an HTTP/1.1 body flood. */
export interface Http1FloodOptions {
  host: string;
  port: number;
  /** Attacker addresses; each opens `connectionsPerAddress` connections. */
  addresses: string[];
  connectionsPerAddress: number;
  protocol: WebProtocol;
  namespace: string;
  /** Method path. */
  path: string;
  /** The declared content-length, or "chunked" for a body of unknown length. */
  length: number | "chunked";
  /** Body bytes actually sent per connection (at most). */
  sendBytes: number;
}

/** What one connection saw. */
export interface Http1Outcome {
  /** HTTP status of the answer, if any came. */
  status?: number;
  /** grpc-status of a gRPC-Web answer, or the code of a Connect error body. */
  code?: string;
  /** Whether the proxy closed the connection. */
  closed: boolean;
  /** Body bytes sent before it stopped. */
  sent: number;
}

/** A running HTTP/1.1 flood. */
export interface Http1Flood {
  /** Resolves once every connection has sent what it will send (or was closed). */
  readonly written: Promise<void>;
  readonly outcomes: Http1Outcome[];
  /** Counts of "429 resource_exhausted", "200 8", "no answer"… */
  tally(): Record<string, number>;
  /** Closes every connection. */
  stop(): void;
}

const piece = Buffer.alloc(256 * 1024, 0x61);
/** See writeBody. */
const pauseAfterHeadMs = 500;

/** Starts the flood. */
export async function startHttp1Flood(options: Http1FloodOptions): Promise<Http1Flood> {
  const contentType = options.protocol === "connect" ? "application/proto" : "application/grpc-web+proto";
  const lengthHeader: Record<string, string> =
    options.length === "chunked" ? { "transfer-encoding": "chunked" } : { "content-length": String(options.length) };
  const head = postHead(options.host, options.path, {
    "content-type": contentType,
    "prism-namespace": options.namespace,
    ...(options.protocol === "connect" ? { "connect-protocol-version": "1" } : { "x-grpc-web": "1" }),
    ...lengthHeader,
  });
  // gRPC-Web bodies are framed: the frame header announces the rest of the declared body (60 MiB when undeclared).
  const envelope =
    options.protocol === "grpc-web" ? frameHeader(options.length === "chunked" ? 60 * 1024 * 1024 : options.length - 5) : undefined;
  const sockets: Socket[] = [];
  const outcomes: Http1Outcome[] = [];
  const writers: Promise<void>[] = [];
  for (const address of options.addresses) {
    for (let i = 0; i < options.connectionsPerAddress; i++) {
      const socket = await openSocket(options.host, options.port, address);
      const outcome: Http1Outcome = { closed: false, sent: 0 };
      outcomes.push(outcome);
      sockets.push(socket);
      watchAnswer(socket, outcome);
      socket.write(head);
      writers.push(writeBody(socket, outcome, options.sendBytes, options.length === "chunked", envelope));
    }
  }
  return {
    written: Promise.all(writers).then(() => {}),
    outcomes,
    tally() {
      const counts: Record<string, number> = {};
      for (const { status, code } of outcomes) {
        const key = status === undefined ? "no answer" : `${status} ${code ?? ""}`.trim();
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    stop() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Reads the answer's status line, grpc-status header or Connect error code. */
function watchAnswer(socket: Socket, outcome: Http1Outcome): void {
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    if (received.length > 64 * 1024) return;
    received += chunk.toString("latin1");
    const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
    if (status) outcome.status = Number(status[1]);
    const grpcStatus = /\r\ngrpc-status: *(\d+)/i.exec(received);
    const connectCode = /"code":"([a-z_]+)"/.exec(received);
    outcome.code = grpcStatus?.[1] ?? connectCode?.[1] ?? outcome.code;
  });
  socket.on("close", () => {
    outcome.closed = true;
  });
}

/** A gRPC(-Web) frame header announcing `length` bytes. */
function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(length, 1);
  return header;
}

/**
 * After a pause in which an answer to the headers alone can arrive and be read (once the proxy
 * closes, more writes make the peer reset the connection, which discards an unread answer),
 * writes up to `total` body bytes (starting with `first`) as fast as the socket takes them;
 * stops when it closes.
 */
async function writeBody(socket: Socket, outcome: Http1Outcome, total: number, chunked: boolean, first?: Buffer): Promise<void> {
  // Until an answer came (then a moment for the rest of it) or the pause is over: a proxy busy with
  // the previous case may take longer than a fixed short pause to answer.
  const until = Date.now() + pauseAfterHeadMs;
  while (Date.now() < until && outcome.status === undefined && !outcome.closed) await sleep(10);
  if (outcome.status !== undefined) await sleep(20);
  while (outcome.sent < total && !socket.destroyed && socket.writable) {
    const room = total - outcome.sent;
    const bytes =
      outcome.sent === 0 && first
        ? Buffer.concat([first, piece.subarray(0, Math.min(piece.byteLength, room) - first.byteLength)])
        : piece.subarray(0, Math.min(piece.byteLength, room));
    outcome.sent += bytes.byteLength;
    const data = chunked ? Buffer.concat([Buffer.from(`${bytes.byteLength.toString(16)}\r\n`), bytes, Buffer.from("\r\n")]) : bytes;
    if (!socket.write(data)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          clearTimeout(timer);
          resolve();
        };
        // A proxy that stopped reading without closing: give up on this connection after a while.
        const timer = setTimeout(done, 2000);
        socket.on("drain", done);
        socket.on("close", done);
      });
      if (socket.writableLength > 0 && !socket.destroyed && socket.writableNeedDrain) return;
    }
  }
}
