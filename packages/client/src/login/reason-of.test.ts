// Tests for reasonOf: OAuth error answers read as "code: description", anything else as its message.
import { describe, expect, it } from "vitest";
import { reasonOf } from "./reason-of.js";

describe("reasonOf", () => {
  it("prefers the OAuth error code and description, then the message", () => {
    expect(reasonOf({ error: "access_denied", error_description: "End-User aborted interaction" })).toBe(
      "access_denied: End-User aborted interaction",
    );
    expect(reasonOf({ error: "expired_token" })).toBe("expired_token");
    expect(reasonOf(new Error("fetch failed"))).toBe("fetch failed");
    expect(reasonOf("text")).toBe("text");
  });
});
