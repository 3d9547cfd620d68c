// Tests of toFilter and formatFilter: the three accepted forms, the empty filter, and the string form written back.
import { create } from "@bufbuild/protobuf";
import { Comparison, FilterSchema } from "@prism/proto/registry/v1";
import { describe, expect, it } from "vitest";
import { and, cond, not, or } from "../../test/filter-nodes.js";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { formatFilter } from "./format-filter.js";
import { compileStringFilter } from "./string-filter.js";
import { type RegistryFilter, toFilter } from "./to-filter.js";

describe("toFilter", () => {
  it("accepts the JSON form, the string form and a wire Filter to the same effect", () => {
    const expected = and(cond("type", "eq", "sensor"), cond("floor", "gte", 2));
    expect(toFilter({ type: "sensor", floor: { $gte: 2 } })).toEqual(expected);
    expect(toFilter('type = "sensor" and floor >= 2')).toEqual(expected);
    expect(toFilter(expected)).toBe(expected);
  });

  it("sends a wire Filter as is, even beyond the client's limits (the server decides)", () => {
    const deep = not(not(not(not(not(not(not(cond("a", "eq", 1))))))));
    expect(toFilter(deep)).toBe(deep);
    const bare = create(FilterSchema, { node: { case: "condition", value: { field: "a", op: Comparison.EXISTS } } });
    expect(toFilter(bare)).toBe(bare);
  });

  it("means every identity for undefined, {}, a blank string and an empty Filter", () => {
    for (const empty of [undefined, {}, "", "  ", create(FilterSchema)])
      expect(toFilter(empty as RegistryFilter | undefined)).toBeUndefined();
  });

  it("uses the limits it is given", () => {
    expect(() => toFilter("a = 1 and b = 1", { maxDepth: 5, maxLeaves: 1 })).toThrow(InvalidArgumentError);
    expect(() => toFilter({ a: 1, b: 1 }, { maxDepth: 5, maxLeaves: 1 })).toThrow("b: the filter has more than 1 conditions");
  });

  it("refuses what is no filter", () => {
    for (const bad of [null, 1, true, ["a"]]) {
      expect(() => toFilter(bad as unknown as RegistryFilter), JSON.stringify(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => toFilter(null as unknown as RegistryFilter)).toThrow(
      "filter: expects a filter object, a filter string or a Filter message, got null",
    );
  });
});

describe("formatFilter", () => {
  it("writes the string form, which reads back to the same tree", () => {
    const cases = [
      cond("a", "eq", "x"),
      cond("a", "ne", 1.5),
      cond("a", "lt", -2),
      cond("a", "lte", "m"),
      cond("a", "gt", 1e21),
      cond("a", "gte", 0),
      cond("tags", "eq", ["a", 'b"c']),
      cond("a", "in", ["x", "y"]),
      cond("a", "nin", []),
      cond("a", "prefix", "dev-"),
      cond("a", "suffix", "\n"),
      cond("a", "contains", "é"),
      cond("a", "exists", true),
      cond("a", "exists", false),
      cond("on", "eq", true),
      and(cond("a", "eq", 1), or(cond("b", "eq", 2), cond("c", "eq", 3))),
      or(and(cond("a", "eq", 1), cond("b", "eq", 2)), not(cond("c", "eq", 3))),
      not(and(cond("a", "eq", 1), cond("b", "eq", 2))),
      not(not(cond("a", "exists", false))),
      and(not(or(cond("a", "eq", 1), cond("b", "eq", 2))), cond("c", "in", ["z"])),
    ];
    for (const filter of cases) {
      const text = formatFilter(filter);
      expect(compileStringFilter(text, { maxDepth: 5, maxLeaves: 20 }), text).toEqual(filter);
    }
  });

  it("writes readable text", () => {
    expect(formatFilter(toFilter({ type: "sensor", floor: { $gte: 2 }, $or: [{ zone: "a" }, { tags: { $contains: "x" } }] }))).toBe(
      'type = "sensor" and floor >= 2 and (zone = "a" or tags contains "x")',
    );
    expect(formatFilter(undefined)).toBe("");
    expect(formatFilter(and())).toBe("identity exists");
    expect(formatFilter(or())).toBe("not identity exists");
  });
});
