// Unit tests of the byte budget: the whole limit, each client's share, and giving back.
import { describe, expect, it } from "vitest";
import { ByteBudget } from "./byte-budget.js";

describe("ByteBudget", () => {
  it("refuses what does not fit the whole limit and takes nothing then", () => {
    const budget = new ByteBudget(100);
    expect(budget.tryTake(60, "a")).toBe(true);
    expect(budget.tryTake(41, "b")).toBe(false);
    expect(budget.used).toBe(60);
    expect(budget.refusal(41, "b")).toMatch(/server is buffering 60 bytes/);
    budget.give(60, "a");
    expect(budget.used).toBe(0);
    expect(budget.usedBy("a")).toBe(0);
  });

  it("keeps one client to its share, so others still fit", () => {
    const budget = new ByteBudget(100, 30);
    expect(budget.tryTake(30, "greedy")).toBe(true);
    expect(budget.tryTake(1, "greedy")).toBe(false);
    expect(budget.refusal(1, "greedy")).toMatch(/this client is buffering 30 bytes/);
    expect(budget.tryTake(30, "other")).toBe(true);
    expect(budget.used).toBe(60);
    budget.give(10, "greedy");
    expect(budget.usedBy("greedy")).toBe(20);
    expect(budget.tryTake(10, "greedy")).toBe(true);
  });
});
