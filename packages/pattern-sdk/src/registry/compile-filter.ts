// Compiles a wire Filter (prism.registry.v1.Filter) into a predicate, once per call, checking
// its bounds (depth, leaves, operand sizes) and type rules on the way. A bad filter is
// INVALID_ARGUMENT naming the path of the bad node (`filter.or[1].condition(floor): gte expects a
// number or a string`). Every operator is a comparison, a set lookup or a string prefix/suffix
// test: no regex, nothing whose cost grows faster than the metadata it reads.
import { Code, ConnectError } from "@connectrpc/connect";
import { Comparison, type Condition, type Filter, type Value } from "@prism/proto/registry/v1";
import type { CompiledFilter } from "./compiled-filter.js";
import { metadataFieldPattern } from "./metadata-field.js";
import type { MetadataValue, RegistryMetadata } from "./registry-backend.js";

/** Bounds of a filter. */
export interface FilterLimits {
  /** Deepest nesting of and / or / not: most of them on one path from the root (conditions add no level). */
  maxFilterDepth: number;
  /** Most conditions in one filter. */
  maxFilterLeaves: number;
}

/** Most strings in the list of an `in` / `nin` condition. */
export const maxInListLength = 256;

/** Longest string operand, in characters. */
export const maxOperandChars = 1024;

/** The field name that means the identity itself. */
export const identityField = "identity";

type Predicate = (identity: string, metadata: RegistryMetadata) => boolean;

const matchAll: Predicate = () => true;

/** Compiles `filter` (undefined = match everything) within `limits`; INVALID_ARGUMENT naming the bad node. */
export function compileFilter(filter: Filter | undefined, limits: FilterLimits): CompiledFilter {
  if (filter === undefined || filter.node.case === undefined) return { matches: matchAll, identityPrefix: "", matchesAll: true };
  const state = { leaves: 0 };
  const matches = compileNode(filter, "filter", 1, limits, state);
  const matchesAll = filter.node.case === "and" && filter.node.value.filters.length === 0;
  return { matches, identityPrefix: identityPrefixOf(filter), matchesAll };
}

function compileNode(filter: Filter, path: string, depth: number, limits: FilterLimits, state: { leaves: number }): Predicate {
  const node = filter.node;
  if (node.case === "condition") {
    state.leaves++;
    if (state.leaves > limits.maxFilterLeaves) {
      throw invalid(path, `the filter has more than ${limits.maxFilterLeaves} conditions (limits.maxFilterLeaves)`);
    }
    return compileCondition(node.value, `${path}.condition(${printableField(node.value.field)})`);
  }
  if (depth > limits.maxFilterDepth) {
    throw invalid(path, `the filter nests deeper than ${limits.maxFilterDepth} levels (limits.maxFilterDepth)`);
  }
  switch (node.case) {
    case "and": {
      const parts = node.value.filters.map((each, index) => compileNode(each, `${path}.and[${index}]`, depth + 1, limits, state));
      if (parts.length === 1) return parts[0] as Predicate;
      return (identity, metadata) => {
        for (const part of parts) if (!part(identity, metadata)) return false;
        return true;
      };
    }
    case "or": {
      const parts = node.value.filters.map((each, index) => compileNode(each, `${path}.or[${index}]`, depth + 1, limits, state));
      if (parts.length === 1) return parts[0] as Predicate;
      return (identity, metadata) => {
        for (const part of parts) if (part(identity, metadata)) return true;
        return false;
      };
    }
    case "not": {
      const inner = compileNode(node.value, `${path}.not`, depth + 1, limits, state);
      return (identity, metadata) => !inner(identity, metadata);
    }
    default:
      throw invalid(path, "an empty filter node (set and, or, not or condition)");
  }
}

/** The value a condition reads: the identity for `identity`, else the metadata field. */
type Reader = (identity: string, metadata: RegistryMetadata) => MetadataValue | undefined;

function compileCondition(condition: Condition, path: string): Predicate {
  const field = condition.field;
  if (field !== identityField && !metadataFieldPattern.test(field)) {
    throw invalid(
      path,
      `field ${JSON.stringify(field.slice(0, 64))} is not a metadata field name (1-128 letters, digits, '.', '_' or '-') or "identity"`,
    );
  }
  const read: Reader = field === identityField ? (identity) => identity : (_identity, metadata) => metadata[field];
  const operand = operandOf(condition.value, path);
  switch (condition.op) {
    case Comparison.EQ:
      return (identity, metadata) => same(read(identity, metadata), operand);
    case Comparison.NE:
      return (identity, metadata) => !same(read(identity, metadata), operand);
    case Comparison.LT:
    case Comparison.LTE:
    case Comparison.GT:
    case Comparison.GTE:
      return compileOrder(condition.op, read, operand, path);
    case Comparison.IN:
    case Comparison.NIN: {
      if (!Array.isArray(operand)) throw invalid(path, `${opName(condition.op)} expects a list of strings`);
      const set = new Set(operand as readonly string[]);
      const inSet: Predicate = (identity, metadata) => {
        const value = read(identity, metadata);
        return typeof value === "string" && set.has(value);
      };
      return condition.op === Comparison.IN ? inSet : (identity, metadata) => !inSet(identity, metadata);
    }
    case Comparison.PREFIX:
    case Comparison.SUFFIX: {
      if (typeof operand !== "string") throw invalid(path, `${opName(condition.op)} expects a string`);
      const text = operand;
      return condition.op === Comparison.PREFIX
        ? (identity, metadata) => {
            const value = read(identity, metadata);
            return typeof value === "string" && value.startsWith(text);
          }
        : (identity, metadata) => {
            const value = read(identity, metadata);
            return typeof value === "string" && value.endsWith(text);
          };
    }
    case Comparison.CONTAINS: {
      if (typeof operand !== "string") throw invalid(path, "contains expects a string (an element of a list, or part of a string)");
      const text = operand;
      return (identity, metadata) => {
        const value = read(identity, metadata);
        if (typeof value === "string") return value.includes(text);
        return Array.isArray(value) && (value as readonly string[]).includes(text);
      };
    }
    case Comparison.EXISTS: {
      if (operand !== undefined && typeof operand !== "boolean") throw invalid(path, "exists expects a boolean (or no value: true)");
      const wanted = operand !== false;
      return (identity, metadata) => (read(identity, metadata) !== undefined) === wanted;
    }
    default:
      throw invalid(
        path,
        `unknown comparison ${condition.op} (expected eq, ne, lt, lte, gt, gte, in, nin, prefix, suffix, contains or exists)`,
      );
  }
}

function compileOrder(op: Comparison, read: Reader, operand: MetadataValue | undefined, path: string): Predicate {
  if (typeof operand !== "number" && typeof operand !== "string") {
    throw invalid(path, `${opName(op)} expects a number or a string`);
  }
  const bound = operand;
  const kind = typeof bound;
  const test =
    op === Comparison.LT
      ? (value: number | string) => value < bound
      : op === Comparison.LTE
        ? (value: number | string) => value <= bound
        : op === Comparison.GT
          ? (value: number | string) => value > bound
          : (value: number | string) => value >= bound;
  return (identity, metadata) => {
    const value = read(identity, metadata);
    // A field of another type never compares: `floor >= 2` is false for floor "2".
    return typeof value === kind && test(value as number | string);
  };
}

/** The operand as a metadata value, bounded; undefined when the condition has none. */
function operandOf(value: Value | undefined, path: string): MetadataValue | undefined {
  const kind = value?.kind;
  switch (kind?.case) {
    case undefined:
      return undefined;
    case "stringValue":
      if (kind.value.length > maxOperandChars) throw invalid(path, `the operand is longer than ${maxOperandChars} characters`);
      return kind.value;
    case "numberValue":
      if (!Number.isFinite(kind.value)) throw invalid(path, "the operand is not a finite number");
      return kind.value;
    case "boolValue":
      return kind.value;
    case "listValue": {
      const values = kind.value.values;
      if (values.length > maxInListLength) throw invalid(path, `the operand list has more than ${maxInListLength} strings`);
      for (const each of values) {
        if (each.length > maxOperandChars) throw invalid(path, `a string of the operand list is longer than ${maxOperandChars} characters`);
      }
      return values;
    }
  }
}

/** Equality of metadata values: same type and value (lists element by element). */
function same(value: MetadataValue | undefined, operand: MetadataValue | undefined): boolean {
  if (value === undefined || operand === undefined) return false;
  if (Array.isArray(value)) {
    if (!Array.isArray(operand)) return false;
    const left = value as readonly string[];
    const right = operand as readonly string[];
    return left.length === right.length && left.every((each, index) => each === right[index]);
  }
  return value === operand;
}

/**
 * The identity prefix every match has, when the filter demands one at its top (an `identity`
 * prefix or eq condition, or one among the members of a top-level and).
 */
function identityPrefixOf(filter: Filter): string {
  const node = filter.node;
  const prefixOf = (condition: Condition) =>
    condition.field === identityField &&
    (condition.op === Comparison.PREFIX || condition.op === Comparison.EQ) &&
    condition.value?.kind.case === "stringValue"
      ? condition.value.kind.value
      : "";
  if (node.case === "condition") return prefixOf(node.value);
  if (node.case !== "and") return "";
  let longest = "";
  for (const each of node.value.filters) {
    if (each.node.case !== "condition") continue;
    const prefix = prefixOf(each.node.value);
    if (prefix.length > longest.length) longest = prefix;
  }
  return longest;
}

function opName(op: Comparison): string {
  return Comparison[op]?.toLowerCase() ?? String(op);
}

/** A field name fit for an error path: itself when valid, else "?". */
function printableField(field: string): string {
  return field === identityField || metadataFieldPattern.test(field) ? field : "?";
}

function invalid(path: string, problem: string): ConnectError {
  return new ConnectError(`${path}: ${problem}`, Code.InvalidArgument);
}
