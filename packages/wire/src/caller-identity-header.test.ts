// The prism-identity header round-trips an identity, is cached per identity, and refuses anything else.
import { describe, expect, it } from "vitest";
import { decodeCallerIdentity, encodeCallerIdentity } from "./caller-identity-header.js";

describe("caller identity header", () => {
  it("round-trips subject, groups and scopes", () => {
    const identity = { subject: "alice", groups: ["ops", "dev"], scopes: ["prism.read"] };
    const value = encodeCallerIdentity(identity);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCallerIdentity(value)).toEqual(identity);
    expect(encodeCallerIdentity(identity)).toBe(value);
  });

  it("decodes nothing from an absent, oversized, non-JSON or subject-less value", () => {
    for (const value of [undefined, ["a"], "x".repeat(20_000), "not base64 json", Buffer.from('{"groups":[]}').toString("base64url")]) {
      expect(decodeCallerIdentity(value as string | undefined)).toBeUndefined();
    }
  });
});
