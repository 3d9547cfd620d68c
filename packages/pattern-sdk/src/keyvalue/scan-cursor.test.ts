// Unit tests of opaque scan cursors: round trip and rejection of foreign or tampered cursors.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { decodeScanCursor, encodeScanCursor } from "./scan-cursor.js";

function rejected(tag: string, cursor: string): ConnectError {
  try {
    decodeScanCursor(tag, cursor);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    return error as ConnectError;
  }
  throw new Error(`cursor ${JSON.stringify(cursor)} was accepted`);
}

describe("scan cursors", () => {
  it("round trips states, including empty, colons and non-ASCII", () => {
    for (const state of ["", "user:42", "a:b:c", "clé/日本/🚀", "x".repeat(500)]) {
      const cursor = encodeScanCursor("mem", state);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeScanCursor("mem", cursor)).toBe(state);
    }
  });

  it("rejects a cursor made with another tag", () => {
    const error = rejected("redis", encodeScanCursor("mem", "k"));
    expect(error.message).toContain("malformed scan cursor");
  });

  it("rejects a tag that is only a prefix of the cursor's tag", () => {
    rejected("me", encodeScanCursor("mem", "k"));
  });

  it("rejects garbage and characters outside base64url", () => {
    for (const bad of ["", "!!!", "abc=", "ab+c", "ab/c", "a b", "not a cursor"]) rejected("mem", bad);
  });

  it("rejects base64url text without the tag", () => {
    rejected("mem", Buffer.from("no tag here", "utf8").toString("base64url"));
  });

  it("rejects non-canonical base64url of a valid cursor", () => {
    // "mem:k" is 5 bytes: the 7th base64url character carries 2 unused low bits. Setting one gives
    // a string that decodes to the same bytes but is not what encodeScanCursor produced.
    const cursor = encodeScanCursor("mem", "k");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(cursor.at(-1) as string);
    const tweaked = `${cursor.slice(0, -1)}${alphabet[last | 1]}`;
    expect(tweaked).not.toBe(cursor);
    expect(Buffer.from(tweaked, "base64url").toString("utf8")).toBe("mem:k");
    rejected("mem", tweaked);
    expect(decodeScanCursor("mem", cursor)).toBe("k");
  });

  it("rejects bytes that are not UTF-8", () => {
    const bytes = Buffer.concat([Buffer.from("mem:", "utf8"), Buffer.from([0xff, 0xfe])]);
    rejected("mem", bytes.toString("base64url"));
  });

  it("truncates a long bad cursor in the message", () => {
    const error = rejected("mem", "!".repeat(200));
    expect(error.message).toContain(`${"!".repeat(40)}…`);
    expect(error.message).not.toContain("!".repeat(41));
  });
});
