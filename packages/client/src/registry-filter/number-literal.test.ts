// Tests of parseNumberLiteral: decimal literals only, finite only.
import { describe, expect, it } from "vitest";
import { parseNumberLiteral } from "./number-literal.js";

describe("parseNumberLiteral", () => {
  it.each([
    ["0", 0],
    ["2", 2],
    ["-1", -1],
    ["+3", 3],
    ["2.5", 2.5],
    ["2.", 2],
    [".5", 0.5],
    ["-.5", -0.5],
    ["1e3", 1000],
    ["1E-3", 0.001],
    ["1e+21", 1e21],
    ["007", 7],
  ])("reads %s", (text, value) => {
    expect(parseNumberLiteral(text)).toBe(value);
  });

  it.each(["", "-", ".", "e3", "1e", "1e+", "1.2.3", "0x10", "1_000", "Infinity", "NaN", "1e999", "--1", "1-2", "2nd", "a"])(
    "refuses %j",
    (text) => {
      expect(parseNumberLiteral(text)).toBeUndefined();
    },
  );
});
