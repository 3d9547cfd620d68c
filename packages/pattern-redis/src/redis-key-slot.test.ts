import { describe, expect, it } from "vitest";
import { groupBySlot, keySlot } from "./redis-key-slot.js";

describe("keySlot", () => {
  it("matches the slots Redis computes (CLUSTER KEYSLOT)", () => {
    expect(keySlot("")).toBe(0);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("bar")).toBe(5061);
    expect(keySlot("123456789")).toBe(12739);
    expect(keySlot("{user1000}.following")).toBe(keySlot("user1000"));
    expect(keySlot("foo{}{bar}")).toBe(keySlot("foo{}{bar}"));
    expect(keySlot("foo{{bar}}zap")).toBe(keySlot("{bar"));
    expect(keySlot("prism:ns:é")).toBe(keySlot("prism:ns:\u00e9"));
  });

  it("groups indexes per slot in request order", () => {
    expect(groupBySlot(["{a}1", "b", "{a}2", "b"])).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });
});
