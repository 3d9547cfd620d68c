// Unit tests of the redis scan cursor: round trip, binding to its scan, and strict rejection of anything else.
import { Code, ConnectError, encodeScanCursor } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { decodeRedisScanCursor, encodeRedisScanCursor } from "./redis-scan-cursor.js";

const scope = { keyPrefix: "prism:ns:", prefix: "user:" };

/** The ConnectError `fn` throws (undefined when it returns); other errors are rethrown. */
function errorOf(fn: () => unknown): ConnectError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  return undefined;
}

/** A cursor of the right shape and binding, with `fields` written over its JSON. */
function cursorWith(fields: Record<string, unknown>): string {
  const valid = encodeRedisScanCursor({ redisCursor: "1", pending: [] }, scope);
  const json = JSON.parse(Buffer.from(valid, "base64url").toString("utf8").slice("rd2:".length)) as Record<string, unknown>;
  return encodeScanCursor("rd2", JSON.stringify({ ...json, ...fields }));
}

describe("redis scan cursor", () => {
  it("round-trips the Redis cursor and pending keys", () => {
    const state = { redisCursor: "1234567", pending: ["user:1", "user:*?[]\\", "user:ü"] };
    expect(decodeRedisScanCursor(encodeRedisScanCursor(state, scope), scope)).toEqual(state);
    const all = { keyPrefix: "p:", prefix: "" };
    expect(decodeRedisScanCursor(encodeRedisScanCursor({ redisCursor: "0", pending: ["a"] }, all), all)).toEqual({
      redisCursor: "0",
      pending: ["a"],
    });
  });

  it.each([
    ["garbage", "not base64url!"],
    ["another backend's cursor", encodeScanCursor("ms1", "user:1")],
    ["a cursor of the unbound format rd1", encodeScanCursor("rd1", JSON.stringify({ c: "1", p: [] }))],
    ["not JSON", encodeScanCursor("rd2", "{")],
    ["an array", encodeScanCursor("rd2", "[]")],
    ["a missing field", cursorWith({ p: undefined })],
    ["an extra field", cursorWith({ x: 1 })],
    ["a cursor of another scan prefix", encodeRedisScanCursor({ redisCursor: "1", pending: [] }, { ...scope, prefix: "user:1" })],
    ["a cursor of another namespace", encodeRedisScanCursor({ redisCursor: "1", pending: [] }, { ...scope, keyPrefix: "prism:other:" })],
    ["a numeric Redis cursor", cursorWith({ c: 1 })],
    ["a non-decimal Redis cursor", cursorWith({ c: "-1" })],
    ["a leading-zero Redis cursor", cursorWith({ c: "01" })],
    ["non-string pending keys", cursorWith({ p: [1] })],
    ["pending keys outside the prefix", cursorWith({ p: ["other:1"] })],
    ["a finished scan", cursorWith({ c: "0", p: [] })],
  ])("rejects %s as INVALID_ARGUMENT, with a bounded message", (_what, cursor) => {
    const error = errorOf(() => decodeRedisScanCursor(cursor, scope));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toMatch(/^malformed or foreign scan cursor \(/);
    expect(error?.rawMessage.length).toBeLessThan(200);
  });

  it("does not echo a long cursor", () => {
    const long = encodeRedisScanCursor({ redisCursor: "1", pending: ["user:".padEnd(60_000, "x")] }, scope);
    const error = errorOf(() => decodeRedisScanCursor(long, { ...scope, prefix: "other:" }));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage.length).toBeLessThan(200);
  });
});
