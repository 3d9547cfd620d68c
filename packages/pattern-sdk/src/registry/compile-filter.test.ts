// Unit tests of compileFilter: every operator and its type rules, and / or / not, the empty and
// match-all filters, depth and leaf limits with the bad node's path, operand bounds, identity
// prefix extraction, and operands taken literally (no regex or pattern language anywhere).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Comparison, type Filter, FilterSchema, type Value, ValueSchema } from "@prism/proto/registry/v1";
import { describe, expect, it } from "vitest";
import { compileFilter, type FilterLimits, maxInListLength, maxOperandChars } from "./compile-filter.js";
import type { RegistryMetadata } from "./registry-backend.js";

type OperatorName = "eq" | "ne" | "lt" | "lte" | "gt" | "gte" | "in" | "nin" | "prefix" | "suffix" | "contains" | "exists";
type Operand = string | number | boolean | readonly string[];

const limits: FilterLimits = { maxFilterDepth: 5, maxFilterLeaves: 20 };

function value(operand: Operand): Value {
  if (typeof operand === "string") return create(ValueSchema, { kind: { case: "stringValue", value: operand } });
  if (typeof operand === "number") return create(ValueSchema, { kind: { case: "numberValue", value: operand } });
  if (typeof operand === "boolean") return create(ValueSchema, { kind: { case: "boolValue", value: operand } });
  return create(ValueSchema, { kind: { case: "listValue", value: { values: [...operand] } } });
}

/** A leaf `field op operand`; `op` is an operator name or a raw enum number. */
function where(field: string, op: OperatorName | number, operand?: Operand): Filter {
  const comparison = typeof op === "number" ? op : Comparison[op.toUpperCase() as keyof typeof Comparison];
  return create(FilterSchema, {
    node: { case: "condition", value: { field, op: comparison, value: operand === undefined ? undefined : value(operand) } },
  });
}

function and(...filters: Filter[]): Filter {
  return create(FilterSchema, { node: { case: "and", value: { filters } } });
}

function or(...filters: Filter[]): Filter {
  return create(FilterSchema, { node: { case: "or", value: { filters } } });
}

function not(filter: Filter): Filter {
  return create(FilterSchema, { node: { case: "not", value: filter } });
}

/** Whether `filter` matches an identity named `identity` with `metadata`. */
function matches(filter: Filter, metadata: RegistryMetadata, identity = "dev-1"): boolean {
  return compileFilter(filter, limits).matches(identity, metadata);
}

/** The INVALID_ARGUMENT message compiling `filter` throws. */
function problem(filter: Filter, within: FilterLimits = limits): string {
  try {
    compileFilter(filter, within);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    return (error as ConnectError).rawMessage;
  }
  throw new Error("the filter compiled");
}

const device: RegistryMetadata = {
  type: "sensor",
  floor: 2,
  label: "2",
  active: true,
  tags: ["temp", "hum"],
  zone: "a-east",
};

describe("compileFilter operators", () => {
  it("eq / ne compare type and value (lists element by element); absent is never equal", () => {
    expect(matches(where("type", "eq", "sensor"), device)).toBe(true);
    expect(matches(where("floor", "eq", 2), device)).toBe(true);
    expect(matches(where("active", "eq", true), device)).toBe(true);
    expect(matches(where("active", "eq", false), device)).toBe(false);
    expect(matches(where("tags", "eq", ["temp", "hum"]), device)).toBe(true);
    expect(matches(where("tags", "eq", ["hum", "temp"]), device)).toBe(false);
    expect(matches(where("tags", "eq", ["temp"]), device)).toBe(false);
    // Another type is never equal: floor 2 is not "2", label "2" is not 2.
    expect(matches(where("floor", "eq", "2"), device)).toBe(false);
    expect(matches(where("label", "eq", 2), device)).toBe(false);
    expect(matches(where("tags", "eq", "temp"), device)).toBe(false);
    expect(matches(where("missing", "eq", "x"), device)).toBe(false);
    expect(matches(where("type", "ne", "sensor"), device)).toBe(false);
    expect(matches(where("type", "ne", "camera"), device)).toBe(true);
    expect(matches(where("floor", "ne", "2"), device)).toBe(true);
    expect(matches(where("missing", "ne", "x"), device)).toBe(true);
  });

  it("lt / lte / gt / gte order numbers with numbers and strings with strings, never across types", () => {
    expect(matches(where("floor", "gte", 2), device)).toBe(true);
    expect(matches(where("floor", "gt", 2), device)).toBe(false);
    expect(matches(where("floor", "lte", 2), device)).toBe(true);
    expect(matches(where("floor", "lt", 2), device)).toBe(false);
    expect(matches(where("floor", "lt", 2.5), device)).toBe(true);
    expect(matches(where("floor", "gt", -1), device)).toBe(true);
    // `floor gte 2` is false for floor "2", and a number bound never orders a string.
    expect(matches(where("floor", "gte", 2), { floor: "2" })).toBe(false);
    expect(matches(where("label", "gte", 1), device)).toBe(false);
    expect(matches(where("label", "gte", "1"), device)).toBe(true);
    expect(matches(where("zone", "lt", "b"), device)).toBe(true);
    expect(matches(where("zone", "gt", "a-east"), device)).toBe(false);
    expect(matches(where("zone", "gte", "a-east"), device)).toBe(true);
    // Strings order by UTF-16 code units, as JavaScript does: "Z" < "a".
    expect(matches(where("zone", "lt", "Z"), device)).toBe(false);
    expect(matches(where("active", "gt", 0), device)).toBe(false);
    expect(matches(where("tags", "gt", "a"), device)).toBe(false);
    expect(matches(where("missing", "lt", 100), device)).toBe(false);
    expect(matches(where("missing", "gte", -100), device)).toBe(false);
  });

  it("in / nin test a string value against a list; a non-string is never in it, absent is nin", () => {
    expect(matches(where("type", "in", ["camera", "sensor"]), device)).toBe(true);
    expect(matches(where("type", "in", ["camera"]), device)).toBe(false);
    expect(matches(where("type", "in", []), device)).toBe(false);
    expect(matches(where("floor", "in", ["2"]), device)).toBe(false);
    expect(matches(where("tags", "in", ["temp"]), device)).toBe(false);
    expect(matches(where("missing", "in", ["x"]), device)).toBe(false);
    expect(matches(where("type", "nin", ["camera"]), device)).toBe(true);
    expect(matches(where("type", "nin", ["sensor"]), device)).toBe(false);
    expect(matches(where("floor", "nin", ["2"]), device)).toBe(true);
    expect(matches(where("missing", "nin", ["x"]), device)).toBe(true);
  });

  it("prefix / suffix test strings only", () => {
    expect(matches(where("zone", "prefix", "a-"), device)).toBe(true);
    expect(matches(where("zone", "prefix", ""), device)).toBe(true);
    expect(matches(where("zone", "prefix", "east"), device)).toBe(false);
    expect(matches(where("zone", "suffix", "east"), device)).toBe(true);
    expect(matches(where("zone", "suffix", "a-"), device)).toBe(false);
    expect(matches(where("label", "prefix", "2"), device)).toBe(true);
    expect(matches(where("floor", "prefix", "2"), device)).toBe(false);
    expect(matches(where("tags", "prefix", "temp"), device)).toBe(false);
    expect(matches(where("missing", "prefix", ""), device)).toBe(false);
  });

  it("contains finds an element of a list or a part of a string", () => {
    expect(matches(where("tags", "contains", "temp"), device)).toBe(true);
    expect(matches(where("tags", "contains", "te"), device)).toBe(false);
    expect(matches(where("tags", "contains", "co2"), device)).toBe(false);
    expect(matches(where("zone", "contains", "-ea"), device)).toBe(true);
    expect(matches(where("floor", "contains", "2"), device)).toBe(false);
    expect(matches(where("missing", "contains", "x"), device)).toBe(false);
  });

  it("exists tests presence (no operand or true) or absence (false), whatever the type", () => {
    for (const field of ["type", "floor", "active", "tags"]) {
      expect(matches(where(field, "exists"), device)).toBe(true);
      expect(matches(where(field, "exists", true), device)).toBe(true);
      expect(matches(where(field, "exists", false), device)).toBe(false);
    }
    expect(matches(where("missing", "exists"), device)).toBe(false);
    expect(matches(where("missing", "exists", false), device)).toBe(true);
    expect(matches(where("active", "exists"), { active: false })).toBe(true);
  });

  it("compares the identity itself through the field `identity`", () => {
    expect(matches(where("identity", "eq", "dev-1"), device)).toBe(true);
    expect(matches(where("identity", "prefix", "dev-"), device)).toBe(true);
    expect(matches(where("identity", "suffix", "-1"), device, "dev-2")).toBe(false);
    expect(matches(where("identity", "in", ["dev-1", "dev-3"]), device)).toBe(true);
    expect(matches(where("identity", "gt", "dev-0"), device)).toBe(true);
    expect(matches(where("identity", "exists"), {})).toBe(true);
    expect(matches(where("identity", "eq", "dev-1"), { identity: "other" } as RegistryMetadata)).toBe(true);
  });

  it("takes operands literally: no regex, glob or pattern language anywhere", () => {
    const odd: RegistryMetadata = { name: "a.*b", path: "x[1]+", plain: "aXXb" };
    expect(matches(where("name", "eq", "a.*b"), odd)).toBe(true);
    expect(matches(where("plain", "eq", "a.*b"), odd)).toBe(false);
    expect(matches(where("plain", "prefix", "a."), odd)).toBe(false);
    expect(matches(where("plain", "contains", ".*"), odd)).toBe(false);
    expect(matches(where("path", "suffix", "[1]+"), odd)).toBe(true);
    expect(matches(where("plain", "suffix", "[b]"), odd)).toBe(false);
    expect(matches(where("identity", "prefix", "^dev"), {}, "dev-1")).toBe(false);
    // The operator set has no pattern matching at all.
    const names = Object.keys(Comparison).filter((key) => Number.isNaN(Number(key)));
    expect(names.sort()).toEqual(
      ["CONTAINS", "EQ", "EXISTS", "GT", "GTE", "IN", "LT", "LTE", "NE", "NIN", "PREFIX", "SUFFIX", "UNSPECIFIED"].sort(),
    );
  });
});

describe("compileFilter combinations", () => {
  it("and / or / not combine, nested", () => {
    expect(matches(and(where("type", "eq", "sensor"), where("floor", "gte", 2)), device)).toBe(true);
    expect(matches(and(where("type", "eq", "sensor"), where("floor", "gt", 2)), device)).toBe(false);
    expect(matches(or(where("type", "eq", "camera"), where("floor", "gt", 2)), device)).toBe(false);
    expect(matches(or(where("type", "eq", "camera"), where("tags", "contains", "hum")), device)).toBe(true);
    expect(matches(not(where("type", "eq", "sensor")), device)).toBe(false);
    expect(matches(not(not(where("type", "eq", "sensor"))), device)).toBe(true);
    const nested = and(where("type", "eq", "sensor"), or(where("zone", "prefix", "b"), not(where("floor", "lt", 2))));
    expect(matches(nested, device)).toBe(true);
    expect(matches(nested, { ...device, floor: 1 })).toBe(false);
    expect(matches(and(where("type", "eq", "sensor")), device)).toBe(true);
    expect(matches(or(where("type", "eq", "sensor")), device)).toBe(true);
  });

  it("no filter, an empty filter and an empty and match everything; an empty or matches nothing", () => {
    for (const filter of [undefined, create(FilterSchema, {}), and()]) {
      const compiled = compileFilter(filter, limits);
      expect(compiled.matchesAll).toBe(true);
      expect(compiled.identityPrefix).toBe("");
      expect(compiled.matches("any", {})).toBe(true);
      expect(compiled.matches("other", device)).toBe(true);
    }
    const none = compileFilter(or(), limits);
    expect(none.matchesAll).toBe(false);
    expect(none.matches("any", device)).toBe(false);
    expect(compileFilter(not(and()), limits).matches("any", {})).toBe(false);
    expect(compileFilter(where("type", "eq", "sensor"), limits).matchesAll).toBe(false);
  });
});

describe("compileFilter limits and errors", () => {
  it("bounds the nesting of and / or / not (conditions add no level) and names the node that is too deep", () => {
    const nest = (levels: number): Filter => {
      let filter = where("floor", "gte", 1);
      for (let i = 0; i < levels; i++) filter = and(filter);
      return filter;
    };
    expect(matches(nest(5), device)).toBe(true);
    expect(problem(nest(6))).toBe(
      "filter.and[0].and[0].and[0].and[0].and[0]: the filter nests deeper than 5 levels (limits.maxFilterDepth)",
    );
    const three = { maxFilterDepth: 3, maxFilterLeaves: 20 };
    expect(compileFilter(not(not(not(where("a", "exists")))), three).matches("x", {})).toBe(true);
    expect(problem(not(not(not(not(where("a", "exists"))))), three)).toBe(
      "filter.not.not.not: the filter nests deeper than 3 levels (limits.maxFilterDepth)",
    );
    expect(problem(or(where("a", "exists"), and(or(and(where("b", "exists"))))), three)).toBe(
      "filter.or[1].and[0].or[0]: the filter nests deeper than 3 levels (limits.maxFilterDepth)",
    );
    expect(matches(where("floor", "gte", 1), device)).toBe(true);
  });

  it("bounds the conditions and names the first one over", () => {
    const leaves = (count: number) => or(...Array.from({ length: count }, (_, index) => where("n", "eq", index)));
    expect(matches(leaves(20), { n: 19 })).toBe(true);
    expect(problem(leaves(21))).toBe("filter.or[20]: the filter has more than 20 conditions (limits.maxFilterLeaves)");
    expect(
      problem(and(where("a", "exists"), not(where("b", "exists")), where("c", "exists")), { maxFilterDepth: 5, maxFilterLeaves: 2 }),
    ).toBe("filter.and[2]: the filter has more than 2 conditions (limits.maxFilterLeaves)");
  });

  it("checks each operator's operand type and names the condition's path and field", () => {
    expect(problem(or(where("type", "eq", "x"), where("floor", "gte", true)))).toBe(
      "filter.or[1].condition(floor): gte expects a number or a string",
    );
    expect(problem(where("floor", "lt", ["1"]))).toBe("filter.condition(floor): lt expects a number or a string");
    expect(problem(where("floor", "gt"))).toBe("filter.condition(floor): gt expects a number or a string");
    expect(problem(where("type", "in", "sensor"))).toBe("filter.condition(type): in expects a list of strings");
    expect(problem(where("type", "nin", 3))).toBe("filter.condition(type): nin expects a list of strings");
    expect(problem(where("type", "prefix", 1))).toBe("filter.condition(type): prefix expects a string");
    expect(problem(where("type", "suffix", ["a"]))).toBe("filter.condition(type): suffix expects a string");
    expect(problem(where("tags", "contains", ["a"]))).toContain("filter.condition(tags): contains expects a string");
    expect(problem(where("tags", "exists", "yes"))).toContain("filter.condition(tags): exists expects a boolean");
    expect(problem(where("tags", Comparison.UNSPECIFIED, "x"))).toContain("filter.condition(tags): unknown comparison 0");
    expect(problem(where("tags", 99, "x"))).toContain("unknown comparison 99");
    expect(problem(and(where("a", "exists"), create(FilterSchema, {})))).toBe(
      "filter.and[1]: an empty filter node (set and, or, not or condition)",
    );
    expect(problem(not(create(FilterSchema, {})))).toContain("filter.not: an empty filter node");
  });

  it("checks field names and operand bounds", () => {
    expect(problem(where("bad name", "eq", "x"))).toContain('filter.condition(?): field "bad name" is not a metadata field name');
    expect(problem(where("", "eq", "x"))).toContain("filter.condition(?): field");
    expect(problem(where("a".repeat(129), "exists"))).toContain("filter.condition(?)");
    expect(matches(where("a.b_c-D9", "exists"), { "a.b_c-D9": 1 })).toBe(true);
    expect(problem(where("floor", "eq", Number.NaN))).toContain("not a finite number");
    expect(problem(where("floor", "gt", Number.POSITIVE_INFINITY))).toContain("not a finite number");
    expect(matches(where("name", "eq", "x".repeat(maxOperandChars)), { name: "x".repeat(maxOperandChars) })).toBe(true);
    expect(problem(where("name", "eq", "x".repeat(maxOperandChars + 1)))).toContain(`longer than ${maxOperandChars} characters`);
    const list = Array.from({ length: maxInListLength }, (_, index) => `v${index}`);
    expect(matches(where("name", "in", list), { name: "v255" })).toBe(true);
    expect(problem(where("name", "in", [...list, "one more"]))).toContain(`more than ${maxInListLength} strings`);
    expect(problem(where("name", "in", ["x".repeat(maxOperandChars + 1)]))).toContain("a string of the operand list is longer");
  });
});

describe("compileFilter identityPrefix", () => {
  it("is the identity prefix (or exact identity) a top-level condition or a member of a top-level and demands", () => {
    const prefixOf = (filter: Filter) => compileFilter(filter, limits).identityPrefix;
    expect(prefixOf(where("identity", "prefix", "dev-"))).toBe("dev-");
    expect(prefixOf(where("identity", "eq", "dev-1"))).toBe("dev-1");
    expect(prefixOf(and(where("type", "eq", "sensor"), where("identity", "prefix", "dev-")))).toBe("dev-");
    expect(prefixOf(and(where("identity", "prefix", "d"), where("identity", "prefix", "dev-b")))).toBe("dev-b");
    // Nothing narrower can be promised under or / not, in a nested and, or from a metadata field.
    expect(prefixOf(or(where("identity", "prefix", "dev-")))).toBe("");
    expect(prefixOf(or(where("identity", "prefix", "dev-"), where("type", "eq", "x")))).toBe("");
    expect(prefixOf(not(where("identity", "prefix", "dev-")))).toBe("");
    expect(prefixOf(and(and(where("identity", "prefix", "dev-")), where("a", "exists")))).toBe("");
    expect(prefixOf(where("name", "prefix", "dev-"))).toBe("");
    expect(prefixOf(where("identity", "suffix", "dev-"))).toBe("");
    expect(prefixOf(where("identity", "gte", "dev-"))).toBe("");
  });

  it("promises only what the predicate enforces: every match starts with the prefix", () => {
    const filter = compileFilter(and(where("identity", "prefix", "dev-"), where("floor", "gte", 1)), limits);
    expect(filter.matches("dev-9", { floor: 1 })).toBe(true);
    expect(filter.matches("cam-9", { floor: 1 })).toBe(false);
  });
});
