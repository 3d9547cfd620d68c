// Splits a gRPC response body (HTTP/2 DATA chunks, cut anywhere) into its length-prefixed messages:
// a 5-byte header (flag, big-endian length) then the protobuf bytes. Only uncompressed frames.

export class GrpcFrameReader {
  /** @param {(messageBytes: Buffer) => void} onMessage called with each whole message, in order */
  constructor(onMessage) {
    this.onMessage = onMessage;
    /** @type {Buffer | undefined} bytes of a frame not yet complete */
    this.rest = undefined;
  }

  /** Feeds one chunk; calls onMessage for every frame it completes. Throws on a compressed frame. */
  push(chunk) {
    const buffer = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
    let offset = 0;
    while (buffer.length - offset >= 5) {
      if (buffer[offset] !== 0) throw new Error(`gRPC frame flag ${buffer[offset]}: compressed frames are not supported`);
      const length = buffer.readUInt32BE(offset + 1);
      const end = offset + 5 + length;
      if (end > buffer.length) break;
      this.onMessage(buffer.subarray(offset + 5, end));
      offset = end;
    }
    this.rest = offset < buffer.length ? buffer.subarray(offset) : undefined;
  }

  /** Bytes of an incomplete frame left over (0 when the body ended on a frame boundary). */
  get pendingBytes() {
    return this.rest?.length ?? 0;
  }
}
