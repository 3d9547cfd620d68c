// FilterBuilder: makes the nodes of a wire Filter (prism.registry.v1.Filter) for the JSON and string
// compilers, remembering where in the caller's input each node came from so a limit check can name it.
import { create } from "@bufbuild/protobuf";
import { type Comparison, type Filter, FilterSchema, type Value, ValueSchema } from "@prism/proto/registry/v1";

/** An operand of a comparison: a string, a finite number, a boolean or a list of strings. */
export type FilterOperand = string | number | boolean | readonly string[];

/** Converts an operand to the wire `Value`. */
export function toWireValue(operand: FilterOperand): Value {
  if (typeof operand === "string") return create(ValueSchema, { kind: { case: "stringValue", value: operand } });
  if (typeof operand === "number") return create(ValueSchema, { kind: { case: "numberValue", value: operand } });
  if (typeof operand === "boolean") return create(ValueSchema, { kind: { case: "boolValue", value: operand } });
  return create(ValueSchema, { kind: { case: "listValue", value: { values: [...operand] } } });
}

/** Builds wire Filter nodes and records, per node, a description of where it came from. */
export class FilterBuilder {
  readonly #sources = new WeakMap<Filter, string>();

  /** Where `node` came from in the input (a path or a column), or "filter" when unknown. */
  sourceOf(node: Filter): string {
    return this.#sources.get(node) ?? "filter";
  }

  /** A leaf comparing `field` with `operand`. */
  condition(field: string, op: Comparison, operand: FilterOperand, source: string): Filter {
    return this.#remember(create(FilterSchema, { node: { case: "condition", value: { field, op, value: toWireValue(operand) } } }), source);
  }

  /**
   * Every part (`and`) or any part (`or`). Parts of the same kind are merged into this node, and a single
   * part stands for itself: both leave the meaning unchanged and keep the tree shallow.
   */
  combine(kind: "and" | "or", parts: readonly Filter[], source: string): Filter {
    const filters: Filter[] = [];
    for (const part of parts) {
      if (part.node.case === kind) filters.push(...part.node.value.filters);
      else filters.push(part);
    }
    if (filters.length === 1) return filters[0] as Filter;
    return this.#remember(create(FilterSchema, { node: { case: kind, value: { filters } } }), source);
  }

  /** The negation of `inner`. */
  not(inner: Filter, source: string): Filter {
    return this.#remember(create(FilterSchema, { node: { case: "not", value: inner } }), source);
  }

  #remember(node: Filter, source: string): Filter {
    this.#sources.set(node, source);
    return node;
  }
}
