// Unit tests of registration metadata: conversion of every value kind both ways, field names
// (pattern, reserved "identity"), and the entry and byte limits with the bad field named.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Value, ValueSchema } from "@prism/proto/registry/v1";
import { describe, expect, it } from "vitest";
import { type MetadataLimits, metadataFieldPattern, metadataFromWire, metadataToWire } from "./metadata-field.js";

const limits: MetadataLimits = { maxIdentityMetadataEntries: 32, maxIdentityMetadataBytes: 8192 };

function str(text: string): Value {
  return create(ValueSchema, { kind: { case: "stringValue", value: text } });
}
function num(number: number): Value {
  return create(ValueSchema, { kind: { case: "numberValue", value: number } });
}
function bool(flag: boolean): Value {
  return create(ValueSchema, { kind: { case: "boolValue", value: flag } });
}
function list(...values: string[]): Value {
  return create(ValueSchema, { kind: { case: "listValue", value: { values } } });
}

/** The INVALID_ARGUMENT message metadataFromWire throws. */
function problem(metadata: Record<string, Value>, within: MetadataLimits = limits): string {
  try {
    metadataFromWire(metadata, within);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    return (error as ConnectError).rawMessage;
  }
  throw new Error("the metadata was accepted");
}

describe("metadataFromWire / metadataToWire", () => {
  it("converts every value kind to plain values and back", () => {
    const wire = { type: str("sensor"), floor: num(2.5), active: bool(false), tags: list("a", "b"), none: list() };
    const plain = metadataFromWire(wire, limits);
    expect(plain).toEqual({ type: "sensor", floor: 2.5, active: false, tags: ["a", "b"], none: [] });
    const back = metadataToWire(plain);
    expect(Object.fromEntries(Object.entries(back).map(([name, value]) => [name, create(ValueSchema, value)]))).toEqual(wire);
    expect(metadataFromWire({}, limits)).toEqual({});
  });

  it("copies lists, so the stored metadata does not alias the request", () => {
    const tags = list("a");
    const plain = metadataFromWire({ tags }, limits);
    (tags.kind.value as { values: string[] }).values.push("b");
    expect(plain.tags).toEqual(["a"]);
  });

  it("accepts field names of 1-128 letters, digits, '.', '_' and '-', except the reserved identity", () => {
    expect(metadataFieldPattern.test("a.b_c-D9")).toBe(true);
    expect(metadataFieldPattern.test("x".repeat(128))).toBe(true);
    expect(metadataFromWire({ "x.y_z-1": num(1) }, limits)).toEqual({ "x.y_z-1": 1 });
    for (const name of ["", "has space", "a/b", "é", "x".repeat(129), "identity"]) {
      expect(problem({ [name]: str("v") })).toContain("metadata field");
    }
    expect(problem({ identity: str("v") })).toContain('"identity" is reserved');
  });

  it("refuses a non-finite number and a value without a kind, naming the field", () => {
    expect(problem({ floor: num(Number.NaN) })).toBe("metadata.floor: a number must be finite");
    expect(problem({ floor: num(Number.NEGATIVE_INFINITY) })).toBe("metadata.floor: a number must be finite");
    expect(problem({ empty: create(ValueSchema, {}) })).toContain("metadata.empty: no value");
  });

  it("bounds the number of fields", () => {
    const fields = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`f${index}`, num(index)]));
    expect(Object.keys(metadataFromWire(fields(32), limits))).toHaveLength(32);
    expect(problem(fields(33))).toBe("metadata has 33 fields; the limit is 32 (limits.maxIdentityMetadataEntries)");
    expect(problem({ a: num(1) }, { maxIdentityMetadataEntries: 0, maxIdentityMetadataBytes: 100 })).toContain("the limit is 0");
  });

  it("bounds the bytes: names, UTF-8 strings, 8 per number or boolean, list strings plus one each", () => {
    const within = (bytes: number): MetadataLimits => ({ maxIdentityMetadataEntries: 32, maxIdentityMetadataBytes: bytes });
    // "n" + "héllo" (6 UTF-8 bytes) = 7.
    expect(metadataFromWire({ n: str("héllo") }, within(7))).toEqual({ n: "héllo" });
    expect(problem({ n: str("héllo") }, within(6))).toBe("metadata is over 6 bytes (limits.maxIdentityMetadataBytes) at field n");
    // "f" + 8 = 9 for a number or a boolean.
    expect(metadataFromWire({ f: num(1e300) }, within(9))).toEqual({ f: 1e300 });
    expect(problem({ f: bool(true) }, within(8))).toContain("at field f");
    // "t" + ("ab" + 1) + ("c" + 1) = 6.
    expect(metadataFromWire({ t: list("ab", "c") }, within(6))).toEqual({ t: ["ab", "c"] });
    expect(problem({ t: list("ab", "c") }, within(5))).toContain("at field t");
    // The total over fields counts, and the field that crosses the limit is named.
    expect(problem({ a: str("xxxx"), b: str("yyyy") }, within(9))).toContain("at field b");
  });
});
