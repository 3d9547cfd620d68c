// FrameLengthScanner finds every declared frame length however the stream is cut into chunks.
import { encodeFrame } from "@prism/wire";
import { expect, it } from "vitest";
import { FrameLengthScanner } from "./frame-length-scanner.js";

it("reports the largest frame length declared in each chunk, across any chunk boundaries", () => {
  const stream = Buffer.concat([encodeFrame(new Uint8Array(3)), encodeFrame(new Uint8Array(700)), encodeFrame(new Uint8Array(10))]);
  for (const size of [1, 2, 4, 5, 7, 64, 1000]) {
    const scanner = new FrameLengthScanner();
    let largest = 0;
    for (let offset = 0; offset < stream.byteLength; offset += size) {
      largest = Math.max(largest, scanner.scan(stream.subarray(offset, offset + size)));
    }
    expect(largest).toBe(700);
  }
});

it("sees a large frame as soon as its header is in, before its body", () => {
  const scanner = new FrameLengthScanner();
  const frame = encodeFrame(new Uint8Array(5000));
  expect(scanner.scan(frame.subarray(0, 3))).toBe(0);
  expect(scanner.scan(frame.subarray(3, 6))).toBe(5000);
  expect(scanner.scan(frame.subarray(6))).toBe(0);
});
