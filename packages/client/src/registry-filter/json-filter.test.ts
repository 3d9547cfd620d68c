// Tests of compileJsonFilter: RFC-017's JSON form compiled to the wire Filter, its type rules, limits and error paths.
import { describe, expect, it } from "vitest";
import { and, cond, not, or } from "../../test/filter-nodes.js";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { defaultFilterLimits } from "./filter-limits.js";
import { compileJsonFilter, type FilterObject } from "./json-filter.js";

const compile = (filter: unknown, limits = defaultFilterLimits) => compileJsonFilter(filter as FilterObject, limits);

/** The InvalidArgumentError message compiling `filter` throws. */
function problemOf(filter: unknown, limits = defaultFilterLimits): string {
  try {
    compile(filter, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).rawMessage;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be refused`);
}

describe("compileJsonFilter", () => {
  it("compiles the issue's example", () => {
    expect(compile({ type: "sensor", floor: { $gte: 2 }, $or: [{ zone: "a" }, { tags: { $contains: "x" } }] })).toEqual(
      and(cond("type", "eq", "sensor"), cond("floor", "gte", 2), or(cond("zone", "eq", "a"), cond("tags", "contains", "x"))),
    );
  });

  it("reads a bare value as $eq, of every type", () => {
    expect(compile({ type: "sensor" })).toEqual(cond("type", "eq", "sensor"));
    expect(compile({ floor: 2 })).toEqual(cond("floor", "eq", 2));
    expect(compile({ floor: -0.5 })).toEqual(cond("floor", "eq", -0.5));
    expect(compile({ online: false })).toEqual(cond("online", "eq", false));
    expect(compile({ tags: ["a", "b"] })).toEqual(cond("tags", "eq", ["a", "b"]));
    expect(compile({ tags: [] })).toEqual(cond("tags", "eq", []));
    expect(compile({ name: "" })).toEqual(cond("name", "eq", ""));
  });

  it("compiles every operator", () => {
    const cases: [FilterObject, ReturnType<typeof cond>][] = [
      [{ a: { $eq: "x" } }, cond("a", "eq", "x")],
      [{ a: { $ne: 3 } }, cond("a", "ne", 3)],
      [{ a: { $ne: ["x"] } }, cond("a", "ne", ["x"])],
      [{ a: { $lt: 1 } }, cond("a", "lt", 1)],
      [{ a: { $lte: "m" } }, cond("a", "lte", "m")],
      [{ a: { $gt: 1.5 } }, cond("a", "gt", 1.5)],
      [{ a: { $gte: -2 } }, cond("a", "gte", -2)],
      [{ a: { $in: ["x", "y"] } }, cond("a", "in", ["x", "y"])],
      [{ a: { $nin: [] } }, cond("a", "nin", [])],
      [{ a: { $prefix: "ab" } }, cond("a", "prefix", "ab")],
      [{ a: { $suffix: ".local" } }, cond("a", "suffix", ".local")],
      [{ a: { $contains: "temp" } }, cond("a", "contains", "temp")],
      [{ a: { $exists: true } }, cond("a", "exists", true)],
      [{ a: { $exists: false } }, cond("a", "exists", false)],
    ];
    for (const [input, expected] of cases) expect(compile(input), JSON.stringify(input)).toEqual(expected);
  });

  it("ands several operators of one field, and several fields", () => {
    expect(compile({ floor: { $gte: 2, $lt: 5 } })).toEqual(and(cond("floor", "gte", 2), cond("floor", "lt", 5)));
    expect(compile({ a: 1, b: "x", c: true })).toEqual(and(cond("a", "eq", 1), cond("b", "eq", "x"), cond("c", "eq", true)));
  });

  it("compiles $and, $or and $not, keeping the tree shallow", () => {
    expect(compile({ $and: [{ a: 1 }, { b: 2 }] })).toEqual(and(cond("a", "eq", 1), cond("b", "eq", 2)));
    expect(compile({ a: 1, $and: [{ b: 2 }, { c: 3 }] })).toEqual(and(cond("a", "eq", 1), cond("b", "eq", 2), cond("c", "eq", 3)));
    expect(compile({ $or: [{ a: 1 }, { $or: [{ b: 2 }, { c: 3 }] }] })).toEqual(
      or(cond("a", "eq", 1), cond("b", "eq", 2), cond("c", "eq", 3)),
    );
    expect(compile({ $or: [{ a: 1 }] })).toEqual(cond("a", "eq", 1));
    expect(compile({ $not: { a: 1 } })).toEqual(not(cond("a", "eq", 1)));
    expect(compile({ $not: { a: 1, b: 2 } })).toEqual(not(and(cond("a", "eq", 1), cond("b", "eq", 2))));
    expect(compile({ floor: { $not: { $gte: 2 } } })).toEqual(not(cond("floor", "gte", 2)));
    expect(compile({ $or: [{ a: 1, b: 2 }, { c: 3 }] })).toEqual(or(and(cond("a", "eq", 1), cond("b", "eq", 2)), cond("c", "eq", 3)));
  });

  it("keeps empty combinations: $and [] matches everything, $or [] nothing", () => {
    expect(compile({ $or: [] })).toEqual(or());
    expect(compile({ a: 1, $and: [] })).toEqual(cond("a", "eq", 1));
    expect(compile({ $or: [{}, { a: 1 }] })).toEqual(or(and(), cond("a", "eq", 1)));
  });

  it("returns undefined for a filter without conditions", () => {
    expect(compile({})).toBeUndefined();
    expect(compile({ $and: [] })).toBeUndefined();
    expect(compile({ a: undefined })).toBeUndefined();
  });

  it("compares the identity itself through the `identity` field", () => {
    expect(compile({ identity: { $prefix: "device-" } })).toEqual(cond("identity", "prefix", "device-"));
  });

  it("accepts every metadata field name character and objects without a prototype", () => {
    expect(compile({ "a.B_c-9": 1 })).toEqual(cond("a.B_c-9", "eq", 1));
    const bare = Object.assign(Object.create(null) as FilterObject, { a: 1 });
    expect(compile(bare)).toEqual(cond("a", "eq", 1));
  });

  it("names the path of a type error", () => {
    expect(problemOf({ $or: [{ zone: "a" }, { floor: { $gte: true } }] })).toBe(
      "$or[1].floor: $gte expects a number or a string, got boolean true",
    );
    expect(problemOf({ floor: { $gte: [1] } })).toMatch(/^floor: \$gte expects a number or a string, got a list$/);
    expect(problemOf({ a: { $in: "x" } })).toMatch(/^a: \$in expects a list of strings/);
    expect(problemOf({ a: { $in: ["x", 1] } })).toMatch(/^a: \$in expects a list of strings/);
    expect(problemOf({ a: { $nin: [null] } })).toMatch(/^a: \$nin expects a list of strings/);
    expect(problemOf({ a: { $prefix: 1 } })).toMatch(/^a: \$prefix expects a string/);
    expect(problemOf({ a: { $suffix: ["x"] } })).toMatch(/^a: \$suffix expects a string/);
    expect(problemOf({ a: { $contains: 2 } })).toMatch(/^a: \$contains expects a string/);
    expect(problemOf({ a: { $exists: "yes" } })).toMatch(/^a: \$exists expects true or false/);
    expect(problemOf({ a: { $eq: { b: 1 } } })).toMatch(/^a: \$eq expects a string, a number, a boolean or a list of strings/);
    expect(problemOf({ $and: [{}, { $not: { b: { $lt: null } } }] })).toMatch(
      /^\$and\[1\]\.\$not\.b: \$lt expects a number or a string, got null/,
    );
    expect(problemOf({ a: { $not: { $gt: false } } })).toMatch(/^a\.\$not: \$gt expects/);
  });

  it("refuses values that are not metadata values", () => {
    expect(problemOf({ a: null })).toBe("a: null is not a value (use { $exists: false } for an absent field)");
    expect(problemOf({ a: Number.NaN })).toMatch(/^a: \$eq expects a finite number/);
    expect(problemOf({ a: { $gt: Number.POSITIVE_INFINITY } })).toMatch(/^a: \$gt expects a finite number/);
    expect(problemOf({ a: [1, 2] })).toMatch(
      /^a: \$eq expects .* \(a bare value means \$eq; or give an object of operators\), got a list$/,
    );
    expect(problemOf({ a: new Date(0) })).toMatch(/^a: \$eq expects .* got a Date object$/);
    expect(problemOf({ a: 1n })).toMatch(/^a: \$eq expects .* got bigint 1$/);
  });

  it("refuses unknown operators, bad field names and misplaced combinators", () => {
    expect(problemOf({ a: { $regex: "x" } })).toMatch(/^a: unknown operator "\$regex"; expected one of \$eq, \$ne, .*\$exists, \$not$/);
    expect(problemOf({ location: { city: "x" } })).toMatch(/^location: unknown operator "city" \(nested objects are not metadata values\)/);
    expect(problemOf({ a: {} })).toMatch(/^a: expects at least one operator/);
    expect(problemOf({ $nor: [] })).toBe("$nor: unknown operator $nor here (expected a field name, $and, $or or $not)");
    expect(problemOf({ $or: [{ "bad field": 1 }] })).toMatch(/^\$or\[0\]\.bad field: "bad field" is not a field name/);
    expect(problemOf({ ["x".repeat(129)]: 1 })).toMatch(/is not a field name/);
    expect(problemOf({ $or: { a: 1 } })).toBe("$or: expects a list of filter objects, got an object");
    expect(problemOf({ $or: [1] })).toBe("$or[0]: expects a filter object, got number 1");
    expect(problemOf({ $not: [] })).toBe("$not: expects a filter object, got an empty list");
    expect(problemOf({ a: { $not: 1 } })).toBe("a.$not: expects an object of operators, got number 1");
    expect(problemOf([])).toBe("filter: expects a filter object, got an empty list");
  });

  it("checks operand bounds like the server", () => {
    expect(compile({ a: { $in: Array.from({ length: 256 }, (_, i) => `v${i}`) } })).toBeDefined();
    expect(problemOf({ a: { $in: Array.from({ length: 257 }, (_, i) => `v${i}`) } })).toMatch(
      /^a: \$in expects a list of at most 256 strings/,
    );
    expect(compile({ a: "x".repeat(1024) })).toBeDefined();
    expect(problemOf({ a: "x".repeat(1025) })).toMatch(/^a: \$eq expects a string of at most 1024 characters/);
    expect(problemOf({ a: { $in: ["x".repeat(1025)] } })).toMatch(/^a: \$in expects strings of at most 1024 characters/);
  });

  it("checks depth and conditions against the limits, naming the node", () => {
    // Five nested combinations are allowed (the conditions under the fifth are fine), six are not: like the server.
    const nested = (levels: number): FilterObject =>
      levels === 0 ? { a: 1 } : { [levels % 2 === 1 ? "$or" : "$and"]: [nested(levels - 1), { b: 1 }] };
    expect(compile(nested(5))).toBeDefined();
    expect(problemOf(nested(6))).toBe("$and[0].$or[0].$and[0].$or[0].$and[0].$or: the filter nests deeper than 5 levels");
    // Same-kind nesting is merged, so it does not count.
    const sameKind = (levels: number): FilterObject => (levels === 0 ? { a: 1 } : { $or: [sameKind(levels - 1), { b: 1 }] });
    expect(compile(sameKind(10))).toEqual(or(cond("a", "eq", 1), ...Array.from({ length: 10 }, () => cond("b", "eq", 1))));
    expect(compile(nested(6), { maxDepth: 6, maxLeaves: 20 })).toBeDefined();

    const wide = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, i]));
    expect(compile(wide(20))).toBeDefined();
    expect(problemOf(wide(21))).toBe("f20: the filter has more than 20 conditions");
    expect(compile(wide(21), { maxDepth: 5, maxLeaves: 21 })).toBeDefined();
  });

  it("refuses runaway nesting and cycles without overflowing the stack", () => {
    let deep: FilterObject = { a: 1 };
    for (let i = 0; i < 10_000; i++) deep = { $not: deep };
    expect(problemOf(deep, { maxDepth: 1000, maxLeaves: 1000 })).toMatch(/the filter nests deeper than 64 levels$/);
    const cyclic: FilterObject = { $and: [] };
    (cyclic.$and as FilterObject[]).push(cyclic);
    expect(problemOf(cyclic)).toMatch(/the filter nests deeper than 64 levels$/);
  });
});
