// Builders of expected wire Filters for the registry filter tests: and / or / not / cond(field, op, value).
import { create } from "@bufbuild/protobuf";
import { Comparison, type Filter, FilterSchema } from "@prism/proto/registry/v1";
import { type FilterOperand, toWireValue } from "../src/registry-filter/filter-builder.js";

/** The comparisons by short name. */
export const op = {
  eq: Comparison.EQ,
  ne: Comparison.NE,
  lt: Comparison.LT,
  lte: Comparison.LTE,
  gt: Comparison.GT,
  gte: Comparison.GTE,
  in: Comparison.IN,
  nin: Comparison.NIN,
  prefix: Comparison.PREFIX,
  suffix: Comparison.SUFFIX,
  contains: Comparison.CONTAINS,
  exists: Comparison.EXISTS,
} as const;

/** A condition node. */
export function cond(field: string, comparison: keyof typeof op, value: FilterOperand): Filter {
  return create(FilterSchema, { node: { case: "condition", value: { field, op: op[comparison], value: toWireValue(value) } } });
}

/** An and node. */
export function and(...filters: Filter[]): Filter {
  return create(FilterSchema, { node: { case: "and", value: { filters } } });
}

/** An or node. */
export function or(...filters: Filter[]): Filter {
  return create(FilterSchema, { node: { case: "or", value: { filters } } });
}

/** A not node. */
export function not(inner: Filter): Filter {
  return create(FilterSchema, { node: { case: "not", value: inner } });
}
