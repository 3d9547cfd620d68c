// findPatternDefinition picks a module's pattern the way a host loading it by name must, and says what is wrong otherwise.
import { describe, expect, it } from "vitest";
import { field } from "../config/config-schema.js";
import { findPatternDefinition, isPatternDefinition } from "./find-pattern-definition.js";
import { definePattern } from "./pattern-definition.js";

const make = (name: string) =>
  definePattern({ name, version: "1.0.0", config: { size: field.integer("size", { default: 1 }) }, create: () => ({}) });

describe("findPatternDefinition", () => {
  it("takes the export named pattern", () => {
    expect(findPatternDefinition({ pattern: make("a"), other: make("b") }, "m").name).toBe("a");
  });

  it("takes the only definition among other exports", () => {
    expect(findPatternDefinition({ helper: () => 1, version: "2", filePattern: make("file") }, "m").name).toBe("file");
  });

  it("names the module and its exports when there is none", () => {
    expect(() => findPatternDefinition({ helper: () => 1 }, "@acme/x")).toThrow(
      "@acme/x exports no pattern definition (it exports: helper); export one made with definePattern from @prism/pattern-sdk",
    );
  });

  it("asks for a `pattern` export when there are several", () => {
    expect(() => findPatternDefinition({ a: make("a"), b: make("b") }, "m")).toThrow(
      'm exports 2 pattern definitions (a, b); export the one to use as "pattern"',
    );
  });

  it("refuses a `pattern` export that is not a definition", () => {
    expect(() => findPatternDefinition({ pattern: { name: "x" } }, "m")).toThrow('the export "pattern" of m is not a pattern definition');
  });

  it("recognises the definePattern shape only", () => {
    expect(isPatternDefinition(make("a"))).toBe(true);
    expect(isPatternDefinition({ name: "a", version: "1", config: null, create: () => ({}) })).toBe(false);
    expect(isPatternDefinition("pattern")).toBe(false);
  });
});
