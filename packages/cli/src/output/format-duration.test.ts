// Tests of formatDuration.
import { describe, expect, it } from "vitest";
import { formatDuration } from "./format-duration.js";

describe("formatDuration", () => {
  it.each([
    [-5, "0s"],
    [999, "0s"],
    [45_000, "45s"],
    [192_000, "3m 12s"],
    [7_500_000, "2h 5m"],
    [3_600_000, "1h"],
    [370_800_000, "4d 7h"],
  ])("%i ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
