// Unit tests of gRPC length-prefixed framing: encode/decode, malformed and compressed bodies,
// and FrameReader reassembly across arbitrary chunk boundaries.
import { describe, expect, it } from "vitest";
import { FrameReader, decodeSingleFrame, encodeFrame, frameHeaderBytes } from "./grpc-frame.js";

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe("encodeFrame / decodeSingleFrame", () => {
  it("writes flag 0 and a big-endian length before the message", () => {
    const frame = encodeFrame(bytes(7, 8, 9));
    expect([...frame]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
  });

  it("round trips messages of several sizes, including empty", () => {
    for (const size of [0, 1, 255, 256, 70_000]) {
      const message = Uint8Array.from({ length: size }, (_, i) => (i * 31) % 256);
      const frame = encodeFrame(message);
      expect(frame.byteLength).toBe(frameHeaderBytes + size);
      const decoded = decodeSingleFrame(frame);
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect(Buffer.from(decoded.message).equals(Buffer.from(message))).toBe(true);
    }
  });

  it("reports bodies shorter than a header as malformed", () => {
    expect(decodeSingleFrame(Buffer.alloc(0))).toEqual({ ok: false, problem: "malformed" });
    expect(decodeSingleFrame(Buffer.from([0, 0, 0, 0]))).toEqual({ ok: false, problem: "malformed" });
  });

  it("reports a length that disagrees with the body as malformed", () => {
    const frame = encodeFrame(bytes(1, 2, 3));
    expect(decodeSingleFrame(frame.subarray(0, frame.byteLength - 1))).toEqual({ ok: false, problem: "malformed" });
    expect(decodeSingleFrame(Buffer.concat([frame, Buffer.from([4])]))).toEqual({ ok: false, problem: "malformed" });
    // Two frames are not one unary message.
    expect(decodeSingleFrame(Buffer.concat([frame, frame]))).toEqual({ ok: false, problem: "malformed" });
  });

  it("reports flag 1 as compressed and any other flag as malformed", () => {
    const frame = encodeFrame(bytes(1));
    frame[0] = 1;
    expect(decodeSingleFrame(frame)).toEqual({ ok: false, problem: "compressed" });
    frame[0] = 0x80;
    expect(decodeSingleFrame(frame)).toEqual({ ok: false, problem: "malformed" });
  });
});

describe("FrameReader", () => {
  const messages = [bytes(), bytes(1), Uint8Array.from({ length: 300 }, (_, i) => i % 256), bytes(9, 9)];
  const stream = Buffer.concat(messages.map((message) => encodeFrame(message)));

  function readInChunks(sizes: (index: number) => number): { out: number[][]; reader: FrameReader } {
    const reader = new FrameReader();
    const out: number[][] = [];
    let offset = 0;
    for (let i = 0; offset < stream.byteLength; i++) {
      const size = Math.max(1, sizes(i));
      const chunk = Buffer.from(stream.subarray(offset, offset + size));
      offset += size;
      for (const message of reader.push(chunk)) out.push([...message]);
    }
    return { out, reader };
  }

  it("returns every frame of a single chunk in order", () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.from(stream)).map((message) => [...message])).toEqual(messages.map((m) => [...m]));
    expect(reader.pendingBytes).toBe(0);
  });

  it("reassembles frames split at every fixed chunk size", () => {
    for (let size = 1; size <= 12; size++) {
      const { out, reader } = readInChunks(() => size);
      expect(out).toEqual(messages.map((m) => [...m]));
      expect(reader.pendingBytes).toBe(0);
    }
  });

  it("reassembles frames split at irregular boundaries", () => {
    const pattern = [3, 1, 7, 2, 150, 4, 1, 1, 200, 5];
    const { out } = readInChunks((i) => pattern[i % pattern.length] as number);
    expect(out).toEqual(messages.map((m) => [...m]));
  });

  it("keeps a partial frame pending until it completes", () => {
    const reader = new FrameReader();
    const frame = encodeFrame(bytes(1, 2, 3, 4));
    expect(reader.push(frame.subarray(0, 3))).toEqual([]);
    expect(reader.pendingBytes).toBe(3);
    expect(reader.push(frame.subarray(3, 7))).toEqual([]);
    expect(reader.pendingBytes).toBe(7);
    const done = reader.push(frame.subarray(7));
    expect(done.map((m) => [...m])).toEqual([[1, 2, 3, 4]]);
    expect(reader.pendingBytes).toBe(0);
  });
});
