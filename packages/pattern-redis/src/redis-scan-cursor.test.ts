// Unit tests of the redis scan cursor: round trip and strict rejection of anything else.
import { Code, ConnectError, encodeScanCursor } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { decodeRedisScanCursor, encodeRedisScanCursor } from "./redis-scan-cursor.js";

function codeOf(fn: () => unknown): Code | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectError) return error.code;
    throw error;
  }
  return undefined;
}

describe("redis scan cursor", () => {
  it("round-trips the Redis cursor and pending keys", () => {
    const state = { redisCursor: "1234567", pending: ["user:1", "user:*?[]\\", "user:ü"] };
    expect(decodeRedisScanCursor(encodeRedisScanCursor(state), "user:")).toEqual(state);
    expect(decodeRedisScanCursor(encodeRedisScanCursor({ redisCursor: "0", pending: ["a"] }), "")).toEqual({
      redisCursor: "0",
      pending: ["a"],
    });
  });

  it.each([
    ["garbage", "not base64url!"],
    ["another backend's cursor", encodeScanCursor("ms1", "user:1")],
    ["not JSON", encodeScanCursor("rd1", "{")],
    ["an array", encodeScanCursor("rd1", "[]")],
    ["a missing field", encodeScanCursor("rd1", JSON.stringify({ c: "1" }))],
    ["an extra field", encodeScanCursor("rd1", JSON.stringify({ c: "1", p: [], x: 1 }))],
    ["a numeric Redis cursor", encodeScanCursor("rd1", JSON.stringify({ c: 1, p: [] }))],
    ["a non-decimal Redis cursor", encodeScanCursor("rd1", JSON.stringify({ c: "-1", p: [] }))],
    ["a leading-zero Redis cursor", encodeScanCursor("rd1", JSON.stringify({ c: "01", p: [] }))],
    ["non-string pending keys", encodeScanCursor("rd1", JSON.stringify({ c: "1", p: [1] }))],
    ["pending keys outside the prefix", encodeScanCursor("rd1", JSON.stringify({ c: "1", p: ["other:1"] }))],
    ["a finished scan", encodeScanCursor("rd1", JSON.stringify({ c: "0", p: [] }))],
  ])("rejects %s as INVALID_ARGUMENT", (_what, cursor) => {
    expect(codeOf(() => decodeRedisScanCursor(cursor, "user:"))).toBe(Code.InvalidArgument);
  });
});
