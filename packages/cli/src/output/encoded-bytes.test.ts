// Tests of encodeBytes: UTF-8 text when valid, base64 otherwise, saying which.
import { describe, expect, it } from "vitest";
import { describeBytes, encodeBytes } from "./encoded-bytes.js";
import { printable } from "./printable.js";

describe("encodeBytes", () => {
  it("keeps valid UTF-8 as text and base64-encodes the rest", () => {
    expect(encodeBytes(new TextEncoder().encode("héllo"))).toEqual({ text: "héllo", encoding: "utf8" });
    expect(encodeBytes(new Uint8Array([0xff, 0x00]))).toEqual({ text: "/wA=", encoding: "base64" });
    expect(encodeBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toEqual({ text: "\ufeffA", encoding: "utf8" });
  });

  it("describes bytes for people, escaping control characters", () => {
    expect(describeBytes(new TextEncoder().encode("a\u001bb"), printable)).toBe("a\\u001bb");
    expect(describeBytes(new Uint8Array([0xff]), printable)).toBe("<1 bytes, not UTF-8; base64: /w==>");
  });
});
