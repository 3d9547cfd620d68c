// FrameLengthScanner: follows the gRPC frame headers in a request stream the proxy forwards without
// decoding, so a streaming call is bounded per message (a bidi stream has no total size).
import { frameHeaderBytes } from "@prism/wire";

/** Reads the declared length of every frame passing through, chunk by chunk, copying nothing. */
export class FrameLengthScanner {
  /** Bytes of the current frame's body still to pass. */
  private bodyLeft = 0;
  /** Header bytes of the next frame seen so far (a header can be split across chunks). */
  private readonly header = Buffer.alloc(frameHeaderBytes);
  private headerSeen = 0;

  /** Scans `chunk`; returns the largest frame length declared in it (0 when none started). */
  scan(chunk: Buffer): number {
    let largest = 0;
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, chunk.byteLength - offset);
        this.bodyLeft -= skip;
        offset += skip;
        continue;
      }
      const take = Math.min(frameHeaderBytes - this.headerSeen, chunk.byteLength - offset);
      chunk.copy(this.header, this.headerSeen, offset, offset + take);
      this.headerSeen += take;
      offset += take;
      if (this.headerSeen === frameHeaderBytes) {
        this.headerSeen = 0;
        this.bodyLeft = this.header.readUInt32BE(1);
        if (this.bodyLeft > largest) largest = this.bodyLeft;
      }
    }
    return largest;
  }
}
