// Multicast Registry acceptance cases for filters, through Enumerate: every comparison and its type
// rules (a field of another type never compares), the identity field, and / or / not and their empty
// forms, the filter limits, and INVALID_ARGUMENT naming the path of a bad node.
import { Code } from "@connectrpc/connect";
import { Comparison } from "@prism/proto/registry/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { expectCode } from "./keyvalue-acceptance-helpers.js";
import {
  allOf,
  anyOf,
  enumerateAll,
  type FilterInit,
  namesMatching,
  not,
  type PlainMetadata,
  type RegistryAcceptanceContext,
  under,
  where,
} from "./registry-acceptance-helpers.js";

const { EQ, NE, LT, LTE, GT, GTE, IN, NIN, PREFIX, SUFFIX, CONTAINS, EXISTS } = Comparison;

/** The fixture: identity suffix -> metadata. Chosen so each operator separates them differently. */
const fixture: Record<string, PlainMetadata> = {
  a: { type: "sensor", floor: 2, zone: "a", tags: ["temp", "hum"], active: true, name: "alpha" },
  b: { type: "sensor", floor: 5, zone: "b", tags: ["temp"], active: false, name: "beta" },
  c: { type: "camera", floor: -1.5, zone: "a", tags: [], active: true, name: "gamma" },
  // floor is the string "2": number comparisons never see it, string ones do.
  d: { type: "sensor", floor: "2", zone: "c", name: "delta" },
  e: { type: "gateway" },
  f: {},
  // "Sensor" differs in case; tags holds "temperature", which contains "temp" as a string but is not the element "temp".
  g: { type: "Sensor", floor: 10, tags: ["temperature"], name: "alphabet", active: "true" },
};

/** Every fixture name. */
const everyone = Object.keys(fixture).sort();

/** Registers the filter cases. */
export function registerRegistryFilterCases(ctx: RegistryAcceptanceContext): void {
  describe("filter", () => {
    const prefix = ctx.identity("filter/");
    /** The fixture names `filter` matches (under the fixture's prefix). */
    const matching = (filter?: FilterInit) => namesMatching(ctx.caller(), prefix, filter);
    /** Asserts each filter's matches, naming the filter on failure. */
    const expectMatches = async (cases: ReadonlyArray<readonly [string, FilterInit, readonly string[]]>) => {
      for (const [label, filter, expected] of cases) expect(await matching(filter), label).toEqual([...expected].sort());
    };
    beforeAll(async () => {
      for (const [name, metadata] of Object.entries(fixture)) await ctx.register(`${prefix}${name}`, metadata);
    });

    it("eq compares the same type only: strings (case-sensitive), numbers, booleans and whole lists", async () => {
      await expectMatches([
        ["type eq sensor", where("type", EQ, "sensor"), ["a", "b", "d"]],
        ["floor eq 2 (number)", where("floor", EQ, 2), ["a"]],
        ['floor eq "2" (string)', where("floor", EQ, "2"), ["d"]],
        ["floor eq -1.5", where("floor", EQ, -1.5), ["c"]],
        ["active eq true (bool)", where("active", EQ, true), ["a", "c"]],
        ["active eq false", where("active", EQ, false), ["b"]],
        ['active eq "true" (string)', where("active", EQ, "true"), ["g"]],
        ['tags eq ["temp","hum"]', where("tags", EQ, ["temp", "hum"]), ["a"]],
        ['tags eq ["hum","temp"] (order matters)', where("tags", EQ, ["hum", "temp"]), []],
        ["tags eq []", where("tags", EQ, []), ["c"]],
        ["absent field eq", where("missing", EQ, "x"), []],
      ]);
    });

    it("ne is the complement of eq: different type, different value or absent", async () => {
      await expectMatches([
        ["type ne sensor", where("type", NE, "sensor"), ["c", "e", "f", "g"]],
        ["floor ne 2", where("floor", NE, 2), ["b", "c", "d", "e", "f", "g"]],
        ["active ne true", where("active", NE, true), ["b", "d", "e", "f", "g"]],
        ["absent field ne", where("missing", NE, "x"), everyone],
      ]);
    });

    it("lt, lte, gt and gte order numbers numerically and strings by code unit, never across types", async () => {
      await expectMatches([
        ["floor lt 2", where("floor", LT, 2), ["c"]],
        ["floor lte 2", where("floor", LTE, 2), ["a", "c"]],
        ["floor gt 2", where("floor", GT, 2), ["b", "g"]],
        ["floor gte 2", where("floor", GTE, 2), ["a", "b", "g"]],
        ["floor gte -1.5", where("floor", GTE, -1.5), ["a", "b", "c", "g"]],
        ["floor gt -100", where("floor", GT, -100), ["a", "b", "c", "g"]],
        ['floor gt "1" (string operand: only string values)', where("floor", GT, "1"), ["d"]],
        ['name lt "beta"', where("name", LT, "beta"), ["a", "g"]],
        ['name lte "beta"', where("name", LTE, "beta"), ["a", "b", "g"]],
        ['name gt "beta"', where("name", GT, "beta"), ["c", "d"]],
        ['name gte "alphabet"', where("name", GTE, "alphabet"), ["b", "c", "d", "g"]],
        ['type lt "camera" ("Sensor" sorts before lower case)', where("type", LT, "camera"), ["g"]],
        ["tags (a list) lt 5", where("tags", LT, 5), []],
        ["active (a bool) gt 0", where("active", GT, 0), []],
      ]);
    });

    it("in and nin test a string value against a list; nin also matches absent and non-string values", async () => {
      await expectMatches([
        ["type in [camera, gateway]", where("type", IN, ["camera", "gateway"]), ["c", "e"]],
        ["type in []", where("type", IN, []), []],
        ['floor in ["2"] (string only)', where("floor", IN, ["2"]), ["d"]],
        ["tags (a list) in [temp]", where("tags", IN, ["temp"]), []],
        ["type nin [sensor]", where("type", NIN, ["sensor"]), ["c", "e", "f", "g"]],
        ["type nin []", where("type", NIN, []), everyone],
        ['floor nin ["2"]', where("floor", NIN, ["2"]), ["a", "b", "c", "e", "f", "g"]],
      ]);
    });

    it("prefix and suffix test string values only", async () => {
      await expectMatches([
        ['name prefix "alpha"', where("name", PREFIX, "alpha"), ["a", "g"]],
        ['name prefix "" (any string)', where("name", PREFIX, ""), ["a", "b", "c", "d", "g"]],
        ['name suffix "ta"', where("name", SUFFIX, "ta"), ["b", "d"]],
        ['name suffix "bet"', where("name", SUFFIX, "bet"), ["g"]],
        ['type prefix "sens" (case-sensitive)', where("type", PREFIX, "sens"), ["a", "b", "d"]],
        ['floor prefix "2" (string only)', where("floor", PREFIX, "2"), ["d"]],
        ['tags (a list) prefix "temp"', where("tags", PREFIX, "temp"), []],
      ]);
    });

    it("contains finds an element of a list, or a substring of a string", async () => {
      await expectMatches([
        ['tags contains "temp" (element, not substring)', where("tags", CONTAINS, "temp"), ["a", "b"]],
        ['tags contains "hum"', where("tags", CONTAINS, "hum"), ["a"]],
        ['tags contains "temperature"', where("tags", CONTAINS, "temperature"), ["g"]],
        ['name contains "ph"', where("name", CONTAINS, "ph"), ["a", "g"]],
        ['name contains "lt"', where("name", CONTAINS, "lt"), ["d"]],
        ['floor (a number) contains "2"', where("floor", CONTAINS, "2"), ["d"]],
      ]);
    });

    it("exists tests presence (no operand means true), whatever the type", async () => {
      await expectMatches([
        ["floor exists true", where("floor", EXISTS, true), ["a", "b", "c", "d", "g"]],
        ["floor exists (no operand)", where("floor", EXISTS), ["a", "b", "c", "d", "g"]],
        ["floor exists false", where("floor", EXISTS, false), ["e", "f"]],
        ["tags exists (an empty list is present)", where("tags", EXISTS, true), ["a", "b", "c", "g"]],
        ["type exists false", where("type", EXISTS, false), ["f"]],
      ]);
    });

    it("the identity field compares the identity itself with every string operator", async () => {
      await expectMatches([
        ["identity eq", where("identity", EQ, `${prefix}c`), ["c"]],
        ["identity ne", where("identity", NE, `${prefix}c`), everyone.filter((name) => name !== "c")],
        ["identity in", where("identity", IN, [`${prefix}a`, `${prefix}e`, `${prefix}zz`]), ["a", "e"]],
        ["identity nin", where("identity", NIN, [`${prefix}a`, `${prefix}e`]), ["b", "c", "d", "f", "g"]],
        ["identity prefix", where("identity", PREFIX, `${prefix}b`), ["b"]],
        ["identity suffix", where("identity", SUFFIX, "/g"), ["g"]],
        ["identity gt", where("identity", GT, `${prefix}e`), ["f", "g"]],
        ["identity lte", where("identity", LTE, `${prefix}b`), ["a", "b"]],
        ["identity exists", where("identity", EXISTS, true), everyone],
      ]);
    });

    it("and, or and not combine; an empty and matches everything, an empty or nothing; an absent filter matches all", async () => {
      const sensorUpstairs = allOf(where("type", EQ, "sensor"), where("floor", GTE, 2));
      await expectMatches([
        ["type = sensor and floor >= 2", sensorUpstairs, ["a", "b"]],
        ["zone = a or tags contains temp", anyOf(where("zone", EQ, "a"), where("tags", CONTAINS, "temp")), ["a", "b", "c"]],
        ["not type = sensor", not(where("type", EQ, "sensor")), ["c", "e", "f", "g"]],
        ["not not type = sensor", not(not(where("type", EQ, "sensor"))), ["a", "b", "d"]],
        [
          "type = sensor and floor >= 2 and (zone = a or tags contains x)",
          allOf(where("type", EQ, "sensor"), where("floor", GTE, 2), anyOf(where("zone", EQ, "a"), where("tags", CONTAINS, "x"))),
          ["a"],
        ],
        [
          "(active or floor < 0) and not zone = a",
          allOf(anyOf(where("active", EQ, true), where("floor", LT, 0)), not(where("zone", EQ, "a"))),
          [],
        ],
        ["and of one", allOf(where("zone", EQ, "b")), ["b"]],
        ["or of one", anyOf(where("zone", EQ, "b")), ["b"]],
        ["empty and", allOf(), everyone],
        ["empty or", anyOf(), []],
        ["not empty or", not(anyOf()), everyone],
        ["not empty and", not(allOf()), []],
        ["an empty and inside or", anyOf(allOf(), where("type", EQ, "nothing")), everyone],
      ]);
      // No filter at all: every identity, so every one of the fixture (and whatever else the backend holds).
      const { identities } = await enumerateAll(ctx.caller(), undefined, { limit: 1000 });
      const seen = new Set(identities.map((each) => each.identity));
      expect(everyone.filter((name) => !seen.has(`${prefix}${name}`))).toEqual([]);
      const empty = await enumerateAll(ctx.caller(), {}, { limit: 1000 });
      const seenEmpty = new Set(empty.identities.map((each) => each.identity));
      expect(
        everyone.filter((name) => !seenEmpty.has(`${prefix}${name}`)),
        "a Filter with no node matches all",
      ).toEqual([]);
    });

    it("an identity prefix with pattern characters is literal", async () => {
      const base = ctx.identity("filter-literal/");
      const names = ["a*", "a*b", "a?", "ab", "a[b]", "a\\*", "a%", "a_", "a.b", "abc"];
      for (const name of names) await ctx.register(`${base}${name}`);
      for (const [literal, expected] of [
        ["a*", ["a*", "a*b"]],
        ["a?", ["a?"]],
        ["a[", ["a[b]"]],
        ["a\\", ["a\\*"]],
        ["a%", ["a%"]],
        ["a_", ["a_"]],
        ["a.", ["a.b"]],
      ] as const) {
        expect(await namesMatching(ctx.caller(), `${base}${literal}`), `identity prefix ${JSON.stringify(literal)}`).toEqual(
          expected.map((name) => name.slice(literal.length)).sort(),
        );
      }
    });

    it("filters within the limits are accepted: depth 5 and 20 conditions", async () => {
      // Four nested ands around two conditions: depth 5 counting the conditions, 4 counting only and / or / not.
      let deep: FilterInit = allOf(where("identity", PREFIX, prefix), where("zone", EQ, "a"));
      for (let i = 0; i < 3; i++) deep = allOf(deep);
      const found = await enumerateAll(ctx.caller(), deep, { limit: 1000 });
      expect(found.identities.map((each) => each.identity.slice(prefix.length)).sort(), "and(and(and(and(prefix, zone = a))))").toEqual([
        "a",
        "c",
      ]);
      // 19 conditions here and the identity prefix that `matching` adds: 20.
      const twenty = anyOf(...Array.from({ length: 19 }, (_, i) => where("floor", EQ, i)));
      expect(await matching(twenty), "20 conditions").toEqual(["a", "b", "g"]);
    });

    it("a bad filter is INVALID_ARGUMENT naming the path of the bad node, on Enumerate and Multicast", async () => {
      const bad: Array<readonly [string, FilterInit, readonly string[]]> = [
        ["gte with a bool operand", where("floor", GTE, true), ["floor"]],
        ["lt with a list operand", where("floor", LT, ["1"]), ["floor"]],
        ["in with a string operand", where("type", IN, "sensor"), ["type"]],
        ["nin with a number operand", where("type", NIN, 1), ["type"]],
        ["prefix with a number operand", where("name", PREFIX, 1), ["name"]],
        ["suffix with a list operand", where("name", SUFFIX, ["a"]), ["name"]],
        ["contains with a bool operand", where("tags", CONTAINS, false), ["tags"]],
        ["exists with a string operand", where("floor", EXISTS, "yes"), ["floor"]],
        ["no comparison", where("floor", Comparison.UNSPECIFIED, 1), ["floor"]],
        ["an unknown comparison", where("floor", 99 as Comparison, 1), ["floor"]],
        ["a field name with a space", where("has space", EQ, "x"), []],
        ["an empty field name", where("", EQ, "x"), []],
        ["a NaN operand", where("floor", EQ, Number.NaN), ["floor"]],
        ["an infinite operand", where("floor", GT, Number.POSITIVE_INFINITY), ["floor"]],
        ["an operand over 1024 characters", where("name", EQ, "x".repeat(1025)), ["name"]],
        [
          "an in list over 256 strings",
          where(
            "type",
            IN,
            Array.from({ length: 257 }, (_, i) => `t${i}`),
          ),
          ["type"],
        ],
        ["an empty node inside and", allOf(where("zone", EQ, "a"), {}), ["and[1]"]],
        [
          "a node nested in or",
          allOf(where("zone", EQ, "a"), anyOf(where("zone", EQ, "b"), where("floor", GTE, "x".repeat(2000)))),
          ["or[1]", "floor"],
        ],
        [
          "the issue's example: $or[1].floor $gte with a bool",
          allOf(where("type", EQ, "sensor"), anyOf(where("zone", EQ, "a"), where("floor", GTE, false))),
          ["and[1]", "or[1]", "floor"],
        ],
        ["under not", not(where("floor", IN, "x")), ["not", "floor"]],
        ["deeper than 5", Array.from({ length: 6 }).reduce<FilterInit>((inner) => not(inner), where("zone", EQ, "a")), []],
        ["more than 20 conditions", anyOf(...Array.from({ length: 20 }, (_, i) => where("floor", EQ, i))), []],
      ];
      for (const [label, filter, pathParts] of bad) {
        const viaEnumerate = await expectCode(ctx.caller().enumerate({ filter: under(prefix, filter), limit: 10 }), Code.InvalidArgument);
        for (const part of pathParts) expect(viaEnumerate.message, `${label}: the error names the node`).toContain(part);
        const viaMulticast = await expectCode(
          ctx.caller().multicast({ filter: under(prefix, filter), payload: new Uint8Array(), timeoutMs: 1000 }),
          Code.InvalidArgument,
        );
        for (const part of pathParts) expect(viaMulticast.message, `${label} (multicast): the error names the node`).toContain(part);
      }
    });
  });
}
