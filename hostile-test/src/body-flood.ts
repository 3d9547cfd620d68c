// The memory attack on gRPC: many streams that each announce a large request message, send part
// (or all) of it and never end the request, held open until the attacker stops. Tallies how the
// proxy answered each stream (a status, or a reset without one).
import { waitForDrain } from "@prism/wire";
import type { ClientHttp2Session, ClientHttp2Stream } from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { connectFrom } from "./good-client.js";

/** Options of a body flood. */
export interface BodyFloodOptions {
  url: string;
  /** Attacker's address. */
  localAddress: string;
  connections: number;
  streamsPerConnection: number;
  /** Namespace header of every stream. */
  namespace: string;
  /** Method path (a unary method: the request is one message). */
  path: string;
  /** Message length announced in the gRPC frame header. */
  announcedBytes: number;
  /** Bytes of the message actually sent per stream (never ended either way). */
  sendBytes: number;
}

/** A running flood. */
export interface BodyFlood {
  /** Resolves once every stream has sent what it will send or has been answered. */
  readonly written: Promise<void>;
  /** Statuses so far: "RESOURCE_EXHAUSTED 8", "no status (RST 0)" → count; streams still open count as "open". */
  tally(): Record<string, number>;
  /** Bytes written by all streams so far. */
  readonly bytesSent: number;
  /** The attacker vanishes: every connection destroyed at once. */
  stop(): void;
}

const chunk = Buffer.alloc(64 * 1024, 0x61);

/** Opens the connections and streams and starts writing. */
export async function startBodyFlood(options: BodyFloodOptions): Promise<BodyFlood> {
  const sessions: ClientHttp2Session[] = [];
  for (let i = 0; i < options.connections; i++) sessions.push(await connectFrom(options.url, options.localAddress));
  const outcomes: string[] = [];
  let bytesSent = 0;
  const writers: Promise<void>[] = [];
  for (const session of sessions) {
    for (let i = 0; i < options.streamsPerConnection; i++) {
      const stream = session.request({
        ":method": "POST",
        ":path": options.path,
        "content-type": "application/grpc",
        te: "trailers",
        "prism-namespace": options.namespace,
      });
      const index = outcomes.push("open") - 1;
      watch(stream, (outcome) => {
        outcomes[index] = outcome;
      });
      writers.push(
        writeBody(stream, options.announcedBytes, options.sendBytes, (bytes) => {
          bytesSent += bytes;
        }),
      );
    }
  }
  return {
    written: Promise.all(writers).then(() => {}),
    tally() {
      const counts: Record<string, number> = {};
      for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
      return counts;
    },
    get bytesSent() {
      return bytesSent;
    },
    stop() {
      for (const session of sessions) session.destroy();
    },
  };
}

/** Records how `stream` ended: its grpc-status name, or the reset code when it had none. */
function watch(stream: ClientHttp2Stream, done: (outcome: string) => void): void {
  let status: string | undefined;
  stream.on("response", (headers) => {
    if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
  });
  stream.on("trailers", (trailers) => {
    if (trailers["grpc-status"] !== undefined) status = String(trailers["grpc-status"]);
  });
  stream.on("error", () => {});
  stream.resume();
  stream.on("close", () => done(status === undefined ? `no status (RST ${stream.rstCode})` : `grpc-status ${status}`));
}

/** Writes a frame header announcing `announced` bytes, then `send` bytes, never ending; stops early when the stream closes. */
async function writeBody(stream: ClientHttp2Stream, announced: number, send: number, count: (bytes: number) => void): Promise<void> {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(announced, 1);
  stream.write(header);
  for (let sent = 0; sent < send && !stream.closed && !stream.destroyed; ) {
    const piece = chunk.subarray(0, Math.min(chunk.byteLength, send - sent));
    sent += piece.byteLength;
    count(piece.byteLength);
    if (!stream.write(piece)) await waitForDrain(stream);
  }
}

/** Sizes of the pieces fillBudget tops the budget up with, largest first. */
const fillSizes = [65_536, 16_384, 4096, 1024, 256, 64, 16, 4, 1];

/** Options of fillBudget: a body flood's, without the sizes and counts it chooses itself. */
export type FillOptions = Pick<BodyFloodOptions, "url" | "localAddress" | "namespace" | "path">;

/**
 * Tops up what is left of the buffer budget (as this client sees it) to the byte: for each size,
 * largest first, opens `streamsPerSize` streams that each send one piece of that size and hold
 * it. Pieces that no longer fit are refused; the ones that fit stay, so at the end not even a byte
 * is left.
 */
export async function fillBudget(options: FillOptions, streamsPerSize = 64): Promise<BodyFlood> {
  const floods: BodyFlood[] = [];
  for (const size of fillSizes) {
    const flood = await startBodyFlood({
      ...options,
      connections: 1,
      streamsPerConnection: streamsPerSize,
      announcedBytes: 4 * 1024 * 1024,
      sendBytes: size,
    });
    await flood.written;
    await sleep(100); // let the proxy answer the pieces that did not fit
    floods.push(flood);
  }
  return {
    written: Promise.resolve(),
    tally() {
      const counts: Record<string, number> = {};
      for (const flood of floods)
        for (const [outcome, count] of Object.entries(flood.tally())) counts[outcome] = (counts[outcome] ?? 0) + count;
      return counts;
    },
    get bytesSent() {
      return floods.reduce((sum, flood) => sum + flood.bytesSent, 0);
    },
    stop() {
      for (const flood of floods) flood.stop();
    },
  };
}
