// gRPC length-prefixed message framing: a 1-byte flag, a 4-byte big-endian length, the message.

/**
 * Bytes of the frame header.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const frameHeaderBytes = 5;

/**
 * Wraps one serialized message in a gRPC frame (uncompressed).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function encodeFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + message.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, frameHeaderBytes);
  return frame;
}

/**
 * Result of reading the single message of a unary or server-streaming request body.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type SingleFrame = { ok: true; message: Uint8Array } | { ok: false; problem: "malformed" | "compressed" };

/**
 * Reads the one message a unary request body must hold.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function decodeSingleFrame(body: Buffer): SingleFrame {
  if (body.byteLength < frameHeaderBytes) return { ok: false, problem: "malformed" };
  if (body[0] !== 0) return { ok: false, problem: body[0] === 1 ? "compressed" : "malformed" };
  const length = body.readUInt32BE(1);
  if (frameHeaderBytes + length !== body.byteLength) return { ok: false, problem: "malformed" };
  return { ok: true, message: body.subarray(frameHeaderBytes) };
}

/**
 * Incremental reader that splits a byte stream into gRPC frames.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Set once a frame with the compressed flag arrived; nothing after it is read. */
  compressed = false;

  /** Adds received bytes; returns every message completed by them. */
  push(chunk: Buffer): Uint8Array[] {
    this.buffer = this.buffer.byteLength === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: Uint8Array[] = [];
    while (!this.compressed && this.buffer.byteLength >= frameHeaderBytes) {
      if (this.buffer[0] !== 0) {
        this.compressed = true;
        break;
      }
      const length = this.buffer.readUInt32BE(1);
      if (this.buffer.byteLength < frameHeaderBytes + length) break;
      messages.push(this.buffer.subarray(frameHeaderBytes, frameHeaderBytes + length));
      this.buffer = this.buffer.subarray(frameHeaderBytes + length);
    }
    return messages;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffer.byteLength;
  }

  /** Declared length of the incomplete message being received, once its header is in (else 0). */
  get pendingMessageLength(): number {
    return this.buffer.byteLength >= frameHeaderBytes ? this.buffer.readUInt32BE(1) : 0;
  }
}
