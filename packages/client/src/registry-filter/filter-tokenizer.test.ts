// Tests of tokenizeFilter: words, strings, symbols and columns.
import { describe, expect, it } from "vitest";
import { tokenizeFilter } from "./filter-tokenizer.js";

describe("tokenizeFilter", () => {
  it("splits words, strings and symbols with their columns", () => {
    expect(tokenizeFilter('floor>=2 and (tags contains "x,y")')).toEqual([
      { kind: "word", text: "floor", column: 1 },
      { kind: "symbol", text: ">=", column: 6 },
      { kind: "word", text: "2", column: 8 },
      { kind: "word", text: "and", column: 10 },
      { kind: "symbol", text: "(", column: 14 },
      { kind: "word", text: "tags", column: 15 },
      { kind: "word", text: "contains", column: 20 },
      { kind: "string", value: "x,y", column: 29 },
      { kind: "symbol", text: ")", column: 34 },
      { kind: "end", column: 35 },
    ]);
  });

  it("reads every symbol", () => {
    const symbols = tokenizeFilter("( ) [ ] , = == != < <= > >=").flatMap((token) => (token.kind === "symbol" ? [token.text] : []));
    expect(symbols).toEqual(["(", ")", "[", "]", ",", "=", "==", "!=", "<", "<=", ">", ">="]);
  });

  it("reads numbers with exponents and signs as one word", () => {
    expect(tokenizeFilter("-1.5e+3")).toEqual([
      { kind: "word", text: "-1.5e+3", column: 1 },
      { kind: "end", column: 8 },
    ]);
  });

  it("accepts exactly 4096 characters", () => {
    expect(tokenizeFilter("a".repeat(4096))).toHaveLength(2);
    expect(() => tokenizeFilter("a".repeat(4097))).toThrow(/4097 characters long; the limit is 4096/);
  });
});
