// HopConnection: the proxy's side of the process hop's framing (@prism/wire hop-frame.ts) to one
// pattern process: unary calls as request frames on one unix-socket connection, answers matched by
// call id, frames written in the same turn coalesced into one write. A lost connection fails the
// calls on it UNAVAILABLE; the next call connects again.
import { Code } from "@connectrpc/connect";
import { encodeHopCancel, encodeHopRequest, type GrpcStatus, type HopFrame, HopFrameReader, HopKind } from "@prism/wire";
import { connect, type Socket } from "node:net";

/** The outcome of one call: the response message (OK) or its status. */
export type HopOutcome = { message: Uint8Array; status?: undefined } | { status: GrpcStatus; message?: undefined };

/** Largest frame accepted from the pattern (a response message and its framing). */
const maxResponseFrameBytes = 64 * 1024 * 1024;

/** A connection to a pattern's hop socket, opened on first use and again after it is lost. */
export class HopConnection {
  private socket: Socket | undefined;
  private readonly pending = new Map<number, (outcome: HopOutcome) => void>();
  private nextId = 1;
  private corked = false;
  private closed = false;

  constructor(
    private readonly path: string,
    /** Names the pattern in status messages. */
    private readonly describe: () => string,
  ) {}

  /** Calls `method` with the encoded request `message`; `onOutcome` runs once with the answer. Returns the call id. */
  call(
    method: string,
    timeoutMs: number | undefined,
    identity: string,
    message: Uint8Array,
    onOutcome: (outcome: HopOutcome) => void,
    traceparent = "",
  ): number {
    const id = this.nextId;
    this.nextId = this.nextId === 0xffffffff ? 1 : this.nextId + 1;
    if (this.closed) {
      onOutcome({ status: { code: Code.Unavailable, message: `${this.describe()} is stopping; retry shortly` } });
      return id;
    }
    this.pending.set(id, onOutcome);
    this.send(encodeHopRequest(id, method, timeoutMs, identity, message, traceparent));
    return id;
  }

  /** Tells the pattern that call `id` is no longer wanted (its answer, if any, is dropped). */
  cancel(id: number): void {
    if (!this.pending.delete(id)) return;
    this.send(encodeHopCancel(id));
  }

  /** Closes the connection; calls still waiting fail UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.failAll(`${this.describe()} is stopping; retry shortly`);
  }

  private send(frame: Buffer): void {
    const socket = this.open();
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  }

  private open(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = connect(this.path);
    const reader = new HopFrameReader(maxResponseFrameBytes);
    socket.on("data", (chunk: Buffer) => {
      let frames: HopFrame[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        socket.destroy(error as Error);
        return;
      }
      for (const frame of frames) {
        if (frame.kind !== HopKind.response) continue;
        const settle = this.pending.get(frame.id);
        if (settle === undefined) continue; // canceled
        this.pending.delete(frame.id);
        settle(frame.status === undefined ? { message: frame.message } : { status: frame.status });
      }
    });
    socket.on("error", () => {}); // reported to the calls by "close"
    socket.once("close", () => {
      if (this.socket === socket) this.socket = undefined;
      this.failAll(`${this.describe()} closed its connection during the call`);
    });
    this.socket = socket;
    this.corked = false;
    return socket;
  }

  private failAll(message: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const settle of waiting) settle({ status: { code: Code.Unavailable, message } });
  }
}
