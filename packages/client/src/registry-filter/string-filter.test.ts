// Tests of compileStringFilter: the string form parsed to the wire Filter, precedence, operands, limits and column errors.
import { describe, expect, it } from "vitest";
import { and, cond, not, or } from "../../test/filter-nodes.js";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { defaultFilterLimits } from "./filter-limits.js";
import { compileStringFilter } from "./string-filter.js";

const compile = (text: string, limits = defaultFilterLimits) => compileStringFilter(text, limits);

/** The InvalidArgumentError message compiling `text` throws. */
function problemOf(text: string, limits = defaultFilterLimits): string {
  try {
    compile(text, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).rawMessage;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("compileStringFilter", () => {
  it("compiles the issue's example like its JSON form", () => {
    expect(compile('type = "sensor" and floor >= 2 and (zone = "a" or tags contains "x")')).toEqual(
      and(cond("type", "eq", "sensor"), cond("floor", "gte", 2), or(cond("zone", "eq", "a"), cond("tags", "contains", "x"))),
    );
  });

  it("compiles every comparison", () => {
    const cases: [string, ReturnType<typeof cond>][] = [
      ['a = "x"', cond("a", "eq", "x")],
      ["a == 1", cond("a", "eq", 1)],
      ["a != true", cond("a", "ne", true)],
      ["a < 1", cond("a", "lt", 1)],
      ['a <= "m"', cond("a", "lte", "m")],
      ["a > -1.5", cond("a", "gt", -1.5)],
      ["a >= 1e3", cond("a", "gte", 1000)],
      ['a in ["x", "y"]', cond("a", "in", ["x", "y"])],
      ["a in []", cond("a", "in", [])],
      ['a nin ["x"]', cond("a", "nin", ["x"])],
      ['a prefix "dev-"', cond("a", "prefix", "dev-")],
      ['a suffix ".local"', cond("a", "suffix", ".local")],
      ['a contains "temp"', cond("a", "contains", "temp")],
      ["a exists", cond("a", "exists", true)],
      ["a not exists", cond("a", "exists", false)],
      ['a not in ["x"]', cond("a", "nin", ["x"])],
      ['a not nin ["x"]', cond("a", "in", ["x"])],
      ['tags = ["a", "b"]', cond("tags", "eq", ["a", "b"])],
      ["online = false", cond("online", "eq", false)],
      ['identity prefix "device-"', cond("identity", "prefix", "device-")],
    ];
    for (const [text, expected] of cases) expect(compile(text), text).toEqual(expected);
  });

  it("negates word comparisons with `not` after the field", () => {
    expect(compile('a not contains "x"')).toEqual(not(cond("a", "contains", "x")));
    expect(compile('a not prefix "x"')).toEqual(not(cond("a", "prefix", "x")));
    expect(compile('a not suffix "x"')).toEqual(not(cond("a", "suffix", "x")));
  });

  it("binds not tighter than and, and tighter than or", () => {
    const [a, b, c] = [cond("a", "eq", 1), cond("b", "eq", 2), cond("c", "eq", 3)];
    expect(compile("a = 1 or b = 2 and c = 3")).toEqual(or(a, and(b, c)));
    expect(compile("a = 1 and b = 2 or c = 3")).toEqual(or(and(a, b), c));
    expect(compile("(a = 1 or b = 2) and c = 3")).toEqual(and(or(a, b), c));
    expect(compile("not a = 1 and b = 2")).toEqual(and(not(a), b));
    expect(compile("not (a = 1 and b = 2)")).toEqual(not(and(a, b)));
    expect(compile("not not a = 1")).toEqual(not(not(a)));
    expect(compile("a = 1 and (b = 2 and c = 3)")).toEqual(and(a, b, c));
    expect(compile("((a = 1))")).toEqual(a);
  });

  it("reads keywords in any case, whitespace of any kind, and both quotes with escapes", () => {
    expect(compile('a = 1 AND b EXISTS Or NOT c IN ["x"]')).toEqual(
      or(and(cond("a", "eq", 1), cond("b", "exists", true)), not(cond("c", "in", ["x"]))),
    );
    expect(compile("\ta\n=\r\n1 ")).toEqual(cond("a", "eq", 1));
    expect(problemOf("a='it''s'")).toBe('column 7: expected "and", "or" or the end of the filter, found the string "s"');
    expect(compile("a = 'it\\'s'")).toEqual(cond("a", "eq", "it's"));
    expect(compile('a = "say \\"hi\\"\\n\\t\\\\ \\u00e9\\/"')).toEqual(cond("a", "eq", 'say "hi"\n\t\\ é/'));
    expect(compile('a = "über ✓"')).toEqual(cond("a", "eq", "über ✓"));
    expect(compile("floor>=2and x=1".replace("and", " and "))).toEqual(and(cond("floor", "gte", 2), cond("x", "eq", 1)));
    expect(compile("a=TRUE")).toEqual(cond("a", "eq", true));
  });

  it("treats a field named like a keyword as a field before a symbol", () => {
    expect(compile("not = 1")).toEqual(cond("not", "eq", 1));
    expect(compile("and = 1 and or = 2")).toEqual(and(cond("and", "eq", 1), cond("or", "eq", 2)));
  });

  it("returns undefined for a blank filter", () => {
    expect(compile("")).toBeUndefined();
    expect(compile("   \n")).toBeUndefined();
  });

  it("names the column of a syntax error", () => {
    expect(problemOf("type = sensor")).toBe(
      'column 8: expected a value after "=" ("a string", a number, true, false or [a list]), found "sensor": quote strings',
    );
    expect(problemOf("floor >=")).toBe(
      'column 9: expected a value after ">=" ("a string", a number, true, false or [a list]), found the end of the filter',
    );
    expect(problemOf("floor 2")).toMatch(
      /^column 7: expected a comparison \(= != < <= > >= in nin prefix suffix contains exists\) after "floor", found "2"$/,
    );
    expect(problemOf("(a = 1")).toBe('column 7: expected ")" to close the "(" at column 1, found the end of the filter');
    expect(problemOf("a = 1)")).toBe('column 6: expected "and", "or" or the end of the filter, found ")"');
    expect(problemOf("a = 1 b = 2")).toBe('column 7: expected "and", "or" or the end of the filter, found "b"');
    expect(problemOf("a = 1 and")).toBe('column 10: expected a field name, "not" or "(", found the end of the filter');
    expect(problemOf("2 = a")).toBe('column 1: expected a field name, found "2"');
    expect(problemOf('"a" = 1')).toBe('column 1: expected a field name, "not" or "(", found the string "a"');
    expect(problemOf("a+b = 1")).toBe('column 1: expected a field name, found "a+b"');
    expect(problemOf("a not = 1")).toBe('column 7: expected in, nin, prefix, suffix, contains or exists after "not", found "="');
    expect(problemOf('a in ["x" "y"]')).toBe('column 11: expected "," or "]" in the list opened at column 6, found the string "y"');
    expect(problemOf("a in [x]")).toBe('column 7: expected a "string" in the list opened at column 6, found "x"');
    expect(problemOf('a in ["x",]')).toBe('column 11: expected a "string" in the list opened at column 6, found "]"');
    expect(problemOf("a = 1-2")).toMatch(/^column 5: expected a value after "="/);
    expect(problemOf("a = 0x10")).toMatch(/^column 5: expected a value after "="/);
    expect(problemOf("a = Infinity")).toMatch(/^column 5: expected a value after "="/);
  });

  it("names the column of a type error", () => {
    expect(problemOf("floor >= true")).toBe('column 10: >= expects a number or a string, found "true"');
    expect(problemOf('a in "x"')).toBe('column 6: in expects a list of strings, found the string "x"');
    expect(problemOf("a in [1, 2]")).toBe('column 6: in expects a list of strings, found "["');
    expect(problemOf('a not in "x"')).toBe('column 10: not in expects a list of strings, found the string "x"');
    expect(problemOf("a prefix 1")).toBe('column 10: prefix expects a string, found "1"');
    expect(problemOf('a contains ["x"]')).toBe('column 12: contains expects a string, found "["');
    expect(problemOf("a = 1e999")).toMatch(/^column 5: expected a value/);
    expect(problemOf(`a = "${"x".repeat(1025)}"`)).toMatch(/^column 5: = expects a string of at most 1024 characters/);
  });

  it("names the column of a tokenizer error", () => {
    expect(problemOf("a = 1 && b = 2")).toBe('column 7: unexpected character "&"');
    expect(problemOf("a ! 1")).toBe('column 3: "!" must be followed by "=" (use "not" to negate)');
    expect(problemOf('a = "open')).toBe('column 5: the string opened here is not closed (missing ")');
    expect(problemOf('a = "\\x"')).toBe('column 6: unknown escape "\\\\x" in a string');
    expect(problemOf('a = "\\u12"')).toBe('column 6: "\\u" must be followed by 4 hex digits');
  });

  it("checks depth and conditions against the limits, naming the column", () => {
    // Five nested combinations are allowed, six are not (like the server); the error names where the sixth starts.
    expect(compile("a = 1 and (b = 1 or (c = 1 and (d = 1 or (e = 1 and f = 1))))")).toBeDefined();
    const six = "a = 1 and (b = 1 or (c = 1 and (d = 1 or (e = 1 and (f = 1 or g = 1)))))";
    expect(problemOf(six)).toBe(`column ${six.indexOf("f = 1") + 1}: the filter nests deeper than 5 levels`);
    expect(compile(six, { maxDepth: 6, maxLeaves: 20 })).toBeDefined();
    const many = (count: number) => Array.from({ length: count }, (_, i) => `f${i} = ${i}`).join(" and ");
    expect(compile(many(20))).toBeDefined();
    expect(problemOf(many(21))).toBe(`column ${many(20).length + 6}: the filter has more than 20 conditions`);
    expect(compile(many(21), { maxDepth: 5, maxLeaves: 21 })).toBeDefined();
  });

  it("bounds the input and the nesting, whatever the limits", () => {
    expect(problemOf(`a = "${"x".repeat(4096)}"`)).toBe("the filter string is 4102 characters long; the limit is 4096");
    const limits = { maxDepth: 1000, maxLeaves: 1000 };
    expect(problemOf(`${"(".repeat(100)}a = 1${")".repeat(100)}`, limits)).toBe("column 65: the filter nests deeper than 64 levels");
    expect(problemOf(`${"not ".repeat(100)}a = 1`, limits)).toBe("column 257: the filter nests deeper than 64 levels");
  });

  it("parses a pathological input in linear time (no backtracking)", () => {
    const text = `a in [${Array.from({ length: 200 }, () => '"x"').join(",")}] and ${"b = 1 or ".repeat(300)}c = 1`.slice(0, 4096);
    expect(() => compile(text, { maxDepth: 5, maxLeaves: 1000 })).not.toThrow(RangeError);
  });
});
