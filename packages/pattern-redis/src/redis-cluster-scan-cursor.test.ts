// Unit tests of the redis cluster scan cursor (master index + SCAN cursor + pending keys) and of CLUSTER INFO parsing.
import { Code, ConnectError, encodeScanCursor } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { parseClusterInfo } from "./redis-cluster-connection.js";
import { decodeRedisClusterScanCursor, encodeRedisClusterScanCursor, encodeRedisScanCursor } from "./redis-scan-cursor.js";

const scope = { keyPrefix: "prism:ns:", prefix: "user:" };

/** The message of the INVALID_ARGUMENT decoding `cursor` throws. */
function rejection(cursor: string): string {
  try {
    decodeRedisClusterScanCursor(cursor, scope);
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.InvalidArgument) return error.rawMessage;
    throw error;
  }
  throw new Error("accepted");
}

/** A valid cluster cursor with `fields` written over its JSON. */
function cursorWith(fields: Record<string, unknown>): string {
  const valid = encodeRedisClusterScanCursor({ master: 1, redisCursor: "7", pending: [] }, scope);
  const json = JSON.parse(Buffer.from(valid, "base64url").toString("utf8").slice("rc1:".length)) as Record<string, unknown>;
  return encodeScanCursor("rc1", JSON.stringify({ ...json, ...fields }));
}

describe("redis cluster scan cursor", () => {
  it("round-trips the master index, its SCAN cursor and the pending keys", () => {
    const state = { master: 2, redisCursor: "0", pending: ["user:1", "user:{x}"] };
    expect(decodeRedisClusterScanCursor(encodeRedisClusterScanCursor(state, scope), scope)).toEqual(state);
    expect(Buffer.from(encodeRedisClusterScanCursor(state, scope), "base64url").toString("utf8")).toMatch(
      /^rc1:\{"s":"[\w-]{16}","m":2,"c":"0","p":\["user:1","user:\{x\}"\]\}$/,
    );
  });

  it("rejects single-server cursors, other scopes and bad fields", () => {
    expect(rejection(encodeRedisScanCursor({ redisCursor: "5", pending: [] }, scope))).toMatch(/not a redis cluster scan cursor/);
    const other = encodeRedisClusterScanCursor({ master: 0, redisCursor: "5", pending: [] }, { ...scope, prefix: "u" });
    expect(rejection(other)).toMatch(/another prefix or namespace/);
    expect(rejection(cursorWith({ m: -1 }))).toMatch(/bad master index/);
    expect(rejection(cursorWith({ m: 1.5 }))).toMatch(/bad master index/);
    expect(rejection(cursorWith({ m: "1" }))).toMatch(/bad master index/);
    expect(rejection(cursorWith({ c: "01" }))).toMatch(/bad Redis cursor/);
    expect(rejection(cursorWith({ p: ["other:1"] }))).toMatch(/bad pending keys/);
    expect(rejection(cursorWith({ x: 1 }))).toMatch(/unexpected fields/);
  });
});

describe("parseClusterInfo", () => {
  it("reads the name:value lines of CLUSTER INFO", () => {
    expect(parseClusterInfo("cluster_state:fail\r\ncluster_slots_ok:10922\r\n\r\n")).toEqual({
      cluster_state: "fail",
      cluster_slots_ok: "10922",
    });
  });
});
