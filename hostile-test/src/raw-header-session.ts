// Node's HTTP/2 client with hand-written request headers: every HEADERS frame it sends is replaced,
// on the way to the socket, by a block hand-encoded from the next queued header list (HPACK
// literals, see h2-frames.ts). So a test can send a field Node itself would refuse (a control
// character in a value) and still read the answer with Node's decoder.
import { type ClientHttp2Session, type ClientHttp2Stream, connect } from "node:http2";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { frame, frameFlag, frameType, headerBlock, openSocket, preface, type RawHeader } from "./h2-frames.js";

/** A client session whose requests carry hand-encoded headers. */
export interface RawHeaderSession {
  /** The Node session (its decoder reads the answers). */
  readonly session: ClientHttp2Session;
  /** Opens a stream whose HEADERS frame carries exactly `headers` (`:path` must be among them). */
  request(headers: readonly RawHeader[]): ClientHttp2Stream;
  /** Closes the connection. */
  close(): void;
}

/** Connects to `url` from `localAddress` with headers rewritten as described above. */
export async function connectRawHeaderSession(url: string, localAddress: string): Promise<RawHeaderSession> {
  const { hostname, port } = new URL(url);
  const socket = await openSocket(hostname, Number(port), localAddress);
  const blocks: Buffer[] = [];
  const wire = new HeaderRewriter(socket, () => {
    const block = blocks.shift();
    if (!block) throw new Error("a HEADERS frame was sent with no hand-written header list queued");
    return block;
  });
  const session = connect(url, { createConnection: () => wire as unknown as Socket });
  session.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  return {
    session,
    request(headers) {
      const path = headers.find(([name]) => name === ":path")?.[1];
      if (path === undefined) throw new Error("hand-written headers need a :path");
      blocks.push(headerBlock(headers));
      return session.request({ ":method": "POST", ":path": String(path), "content-type": "application/grpc", te: "trailers" });
    },
    close() {
      session.destroy();
      socket.destroy();
    },
  };
}

/** Largest frame payload before SETTINGS raise it (RFC 9113 §4.2). */
const defaultMaxFrameSize = 16_384;

/** Passes bytes between Node's session and the socket, swapping the block of every outgoing HEADERS frame. */
class HeaderRewriter extends Duplex {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;

  constructor(
    private readonly socket: Socket,
    private readonly nextBlock: () => Buffer,
  ) {
    super();
    socket.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on("end", () => this.push(null));
    socket.on("close", () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.pending = Buffer.concat([this.pending, chunk]);
      if (!this.prefaceSeen) {
        if (this.pending.byteLength < preface.byteLength) {
          callback();
          return;
        }
        this.socket.write(this.pending.subarray(0, preface.byteLength));
        this.pending = this.pending.subarray(preface.byteLength);
        this.prefaceSeen = true;
      }
      while (this.pending.byteLength >= 9) {
        const length = this.pending.readUIntBE(0, 3);
        if (this.pending.byteLength < 9 + length) break;
        const whole = this.pending.subarray(0, 9 + length);
        this.pending = this.pending.subarray(9 + length);
        this.socket.write(whole[3] === frameType.headers ? this.rewrite(whole) : whole);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private rewrite(original: Buffer): Buffer {
    const flags = original[4] as number;
    if ((flags & frameFlag.endHeaders) === 0) throw new Error("Node split its HEADERS into CONTINUATION frames; keep test headers small");
    const block = this.nextBlock();
    if (block.byteLength > defaultMaxFrameSize)
      throw new Error(`a hand-written header block of ${block.byteLength} bytes needs CONTINUATION frames`);
    return frame(frameType.headers, flags & (frameFlag.endHeaders | frameFlag.endStream), original.readUInt32BE(5), block);
  }
}
