// The process hop's framing: unary calls between the proxy and a pattern process on a unix socket,
// without HTTP/2. Every frame is [u32 length of what follows][u8 kind][u32 call id][body]:
// - request (1): [u16 path length][path][u32 deadline ms, 0 = none][u16 identity length][identity
//   header value][u8 traceparent length][W3C traceparent, or nothing][the request message, protobuf];
// - response (2): [u8 0][the response message] for OK, or [u8 1][a JSON GrpcStatus] for an error;
// - cancel (3): no body (the caller went away or its deadline passed).
// The message bytes are the protos' encoding, as on gRPC: the pattern contract stays the protos.
import type { GrpcStatus } from "./grpc-status.js";
import { validTraceparent } from "./traceparent.js";

/**
 * Frame kinds of the hop.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const HopKind = { request: 1, response: 2, cancel: 3 } as const;

/**
 * The file beside a pattern's gRPC socket where it serves the hop framing. Versioned with the
 * framing (`.hop2`: request frames carry a traceparent): a proxy and a pattern whose SDKs frame
 * differently do not find each other's socket and use HTTP/2.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const hopSocketOf = (grpcSocket: string): string => `${grpcSocket}.hop2`;

/** Bytes of the fixed frame header: length, kind, call id. */
const headerBytes = 9;

/**
 * A request frame for call `id`.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function encodeHopRequest(
  id: number,
  path: string,
  timeoutMs: number | undefined,
  identity: string,
  message: Uint8Array,
  traceparent = "",
): Buffer {
  const pathBytes = Buffer.byteLength(path);
  const identityBytes = Buffer.byteLength(identity);
  // Only a well-formed traceparent travels (55 ASCII characters); anything else is not carried.
  const trace = validTraceparent(traceparent) ?? "";
  const traceBytes = trace.length;
  const size = headerBytes + 2 + pathBytes + 4 + 2 + identityBytes + 1 + traceBytes + message.byteLength;
  const frame = Buffer.allocUnsafe(size);
  frame.writeUInt32BE(size - 4, 0);
  frame[4] = HopKind.request;
  frame.writeUInt32BE(id, 5);
  let offset = headerBytes;
  frame.writeUInt16BE(pathBytes, offset);
  offset += 2 + frame.write(path, offset + 2);
  frame.writeUInt32BE(timeoutMs ?? 0, offset);
  offset += 4;
  frame.writeUInt16BE(identityBytes, offset);
  offset += 2 + frame.write(identity, offset + 2);
  frame[offset] = traceBytes;
  offset += 1 + frame.write(trace, offset + 1, "latin1");
  frame.set(message, offset);
  return frame;
}

/**
 * A response frame for call `id`: the message (OK) or the error status.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function encodeHopResponse(id: number, outcome: { message: Uint8Array } | { status: GrpcStatus }): Buffer {
  const body = "message" in outcome ? outcome.message : Buffer.from(JSON.stringify(outcome.status));
  const frame = Buffer.allocUnsafe(headerBytes + 1 + body.byteLength);
  frame.writeUInt32BE(frame.byteLength - 4, 0);
  frame[4] = HopKind.response;
  frame.writeUInt32BE(id, 5);
  frame[headerBytes] = "message" in outcome ? 0 : 1;
  frame.set(body, headerBytes + 1);
  return frame;
}

/**
 * A cancel frame for call `id`.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function encodeHopCancel(id: number): Buffer {
  const frame = Buffer.allocUnsafe(headerBytes);
  frame.writeUInt32BE(headerBytes - 4, 0);
  frame[4] = HopKind.cancel;
  frame.writeUInt32BE(id, 5);
  return frame;
}

/**
 * One decoded frame.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type HopFrame =
  | {
      kind: typeof HopKind.request;
      id: number;
      path: string;
      timeoutMs: number | undefined;
      identity: string;
      traceparent: string;
      message: Uint8Array;
    }
  | { kind: typeof HopKind.response; id: number; message: Uint8Array; status?: undefined }
  | { kind: typeof HopKind.response; id: number; status: GrpcStatus; message?: undefined }
  | { kind: typeof HopKind.cancel; id: number };

/**
 * Splits a byte stream into hop frames; throws on a frame that is malformed or over `maxFrameBytes`.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export class HopFrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds received bytes; returns every frame they complete. */
  push(chunk: Buffer): HopFrame[] {
    this.buffer = this.buffer.byteLength === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: HopFrame[] = [];
    while (this.buffer.byteLength >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (length < headerBytes - 4 || length > this.maxFrameBytes) throw new Error(`hop frame of ${length} bytes is out of bounds`);
      if (this.buffer.byteLength < 4 + length) break;
      frames.push(decodeFrame(this.buffer.subarray(0, 4 + length)));
      this.buffer = this.buffer.subarray(4 + length);
    }
    return frames;
  }
}

function decodeFrame(frame: Buffer): HopFrame {
  const kind = frame[4];
  const id = frame.readUInt32BE(5);
  switch (kind) {
    case HopKind.request: {
      let offset = headerBytes;
      const pathBytes = frame.readUInt16BE(offset);
      const path = frame.toString("utf8", offset + 2, offset + 2 + pathBytes);
      offset += 2 + pathBytes;
      const timeout = frame.readUInt32BE(offset);
      offset += 4;
      const identityBytes = frame.readUInt16BE(offset);
      const identity = frame.toString("utf8", offset + 2, offset + 2 + identityBytes);
      offset += 2 + identityBytes;
      const traceBytes = frame[offset] as number;
      const traceparent = frame.toString("latin1", offset + 1, offset + 1 + traceBytes);
      offset += 1 + traceBytes;
      return { kind, id, path, timeoutMs: timeout === 0 ? undefined : timeout, identity, traceparent, message: frame.subarray(offset) };
    }
    case HopKind.response:
      if (frame[headerBytes] === 0) return { kind, id, message: frame.subarray(headerBytes + 1) };
      return { kind, id, status: JSON.parse(frame.toString("utf8", headerBytes + 1)) as GrpcStatus };
    case HopKind.cancel:
      return { kind, id };
    default:
      throw new Error(`unknown hop frame kind ${kind}`);
  }
}
