// Tests for PrismValue conversion: strings as UTF-8, bytes passed through.
import { describe, expect, it } from "vitest";
import { toBytes, toText } from "./value.js";

describe("toBytes / toText", () => {
  it("encodes strings as UTF-8", () => {
    expect(toBytes("héllo ✓")).toEqual(new Uint8Array([104, 195, 169, 108, 108, 111, 32, 226, 156, 147]));
    expect(toBytes("")).toEqual(new Uint8Array());
  });

  it("passes bytes through unchanged (same instance)", () => {
    const bytes = new Uint8Array([0, 255, 1]);
    expect(toBytes(bytes)).toBe(bytes);
  });

  it("round-trips text", () => {
    for (const text of ["", "plain", "日本語", "emoji 🎉"]) expect(toText(toBytes(text))).toBe(text);
  });

  it("decodes invalid UTF-8 with replacement characters", () => {
    expect(toText(new Uint8Array([0x61, 0xff, 0x62]))).toBe("a\uFFFDb");
  });
});
