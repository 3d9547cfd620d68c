// Raw HTTP/1.1 over a socket, for what Node's own client will not send (a control character in a
// header) and for attackers that send a request slowly: a header line or a body byte at a time.
import type { Socket } from "node:net";
import { openSocket } from "./h2-frames.js";

/** The head of a POST request: request line and header lines, ending with the blank line when `complete`. */
export function postHead(host: string, path: string, headers: Record<string, string>, complete = true): string {
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join("\r\n")}\r\n${complete ? "\r\n" : ""}`;
}

/** Sends `head` and `body` on a new connection from `localAddress`; resolves with the response's HTTP status (0 when the connection closed first). */
export async function rawHttp1Status(host: string, port: number, localAddress: string, head: string, body: Buffer): Promise<number> {
  const socket = await openSocket(host, port, localAddress);
  return new Promise((resolve) => {
    let received = "";
    const finish = (status: number) => {
      socket.destroy();
      resolve(status);
    };
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) finish(Number(match[1]));
    });
    socket.on("close", () => finish(0));
    socket.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
  });
}

/** A connection kept busy by a slow request (the caller writes the rest to `socket`, slowly). */
export interface SlowRequest {
  /** The connection. */
  readonly socket: Socket;
  /** Whether the proxy has closed the connection. */
  readonly closed: boolean;
  /** The response status the proxy sent, if any. */
  readonly status: number | undefined;
}

/** Opens a connection from `localAddress` and sends `head` (an incomplete request); the caller trickles the rest. */
export async function openSlowRequest(host: string, port: number, localAddress: string, head: string): Promise<SlowRequest> {
  const socket = await openSocket(host, port, localAddress);
  const state = { socket, closed: false, status: undefined as number | undefined };
  socket.on("data", (chunk: Buffer) => {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString("latin1"));
    if (match && state.status === undefined) state.status = Number(match[1]);
  });
  socket.on("close", () => {
    state.closed = true;
  });
  socket.write(head);
  return state;
}
