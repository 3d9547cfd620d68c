// Unit tests of the restart backoff: doubling, cap, and jitter within [50%, 100%] of the base.
import { describe, expect, it } from "vitest";
import { restartDelayMs } from "./restart-backoff.js";

const options = { initialDelayMs: 200, maxDelayMs: 10_000 };
const top = () => 1 - Number.EPSILON;

describe("restartDelayMs", () => {
  it("doubles from the initial delay (at the top of the jitter range)", () => {
    expect([0, 1, 2, 3, 4, 5].map((attempt) => restartDelayMs(attempt, options, top))).toEqual([200, 400, 800, 1600, 3200, 6400]);
  });

  it("is capped at maxDelayMs, also for very large attempts", () => {
    for (const attempt of [6, 7, 20, 30, 31, 1000]) {
      expect(restartDelayMs(attempt, options, top)).toBe(10_000);
      expect(restartDelayMs(attempt, options, () => 0)).toBe(5_000);
    }
  });

  it("puts the jitter at 50% of the base for random 0 and halfway for 0.5", () => {
    expect(restartDelayMs(0, options, () => 0)).toBe(100);
    expect(restartDelayMs(3, options, () => 0)).toBe(800);
    expect(restartDelayMs(0, options, () => 0.5)).toBe(150);
    expect(restartDelayMs(2, options, () => 0.5)).toBe(600);
  });

  it("stays within [50%, 100%] of the base for any random value", () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
      for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.9, top()]) {
        const delay = restartDelayMs(attempt, options, () => r);
        expect(delay).toBeGreaterThanOrEqual(base / 2);
        expect(delay).toBeLessThanOrEqual(base);
      }
    }
  });

  it("uses Math.random by default and stays in range", () => {
    for (let i = 0; i < 100; i++) {
      const delay = restartDelayMs(1, options);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });

  it("caps even the first delay when initial exceeds max", () => {
    expect(restartDelayMs(0, { initialDelayMs: 500, maxDelayMs: 100 }, top)).toBe(100);
  });
});
