// FilterLimits: the depth and leaf bounds of a registry filter. The client checks a compiled filter
// against the server's defaults as a courtesy (an early error naming the caller's own path); the
// server checks its configured limits whatever the client did, and is the authority.
import type { Filter } from "@prism/proto/registry/v1";
import { InvalidArgumentError } from "../errors/error-classes.js";

/** Bounds of a filter, as the server's `limits.maxFilterDepth` / `limits.maxFilterLeaves`. */
export type FilterLimits = {
  /** Deepest nesting of and / or / not (counted like the server: a lone condition is depth 1). */
  maxDepth: number;
  /** Most conditions in one filter. */
  maxLeaves: number;
};

/** The server's default limits (depth 5, 20 conditions). */
export const defaultFilterLimits: Readonly<FilterLimits> = Object.freeze({ maxDepth: 5, maxLeaves: 20 });

/**
 * Throws InvalidArgumentError when `filter` nests deeper or has more conditions than `limits`, walking it
 * the way the server does; `sourceOf` names the offending node in the caller's terms.
 */
export function checkFilterLimits(filter: Filter, limits: FilterLimits, sourceOf: (node: Filter) => string): void {
  let leaves = 0;
  const visit = (node: Filter, depth: number): void => {
    const kind = node.node;
    if (kind.case === "condition") {
      leaves++;
      if (leaves > limits.maxLeaves) {
        throw new InvalidArgumentError(`${sourceOf(node)}: the filter has more than ${limits.maxLeaves} conditions`);
      }
      return;
    }
    if (kind.case === undefined) return;
    if (depth > limits.maxDepth) {
      throw new InvalidArgumentError(`${sourceOf(node)}: the filter nests deeper than ${limits.maxDepth} levels`);
    }
    if (kind.case === "not") visit(kind.value, depth + 1);
    else for (const each of kind.value.filters) visit(each, depth + 1);
  };
  visit(filter, 1);
}

/** Fills the limits a caller left out with the defaults, checking the ones given. */
export function resolveFilterLimits(limits: Partial<FilterLimits> | undefined): FilterLimits {
  const resolved = {
    maxDepth: limits?.maxDepth ?? defaultFilterLimits.maxDepth,
    maxLeaves: limits?.maxLeaves ?? defaultFilterLimits.maxLeaves,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`filter limit ${name} must be an integer >= 1, got ${value}`);
  }
  return resolved;
}
