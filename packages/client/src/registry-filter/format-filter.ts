// formatFilter: a wire Filter written back in the string form (`type = "sensor" and floor >= 2`),
// for display (the CLI, logs); compileStringFilter reads it back to the same tree.
import type { Filter, Value } from "@prism/proto/registry/v1";
import { operatorsByComparison } from "./filter-operator.js";

/**
 * Writes `filter` in the string form; undefined or an empty filter is "". An empty `and` (matches everything)
 * is written `identity exists`, an empty `or` (matches nothing) `not identity exists`.
 */
export function formatFilter(filter: Filter | undefined): string {
  if (filter === undefined || filter.node.case === undefined) return "";
  return format(filter);
}

function format(filter: Filter): string {
  const node = filter.node;
  switch (node.case) {
    case "and":
      if (node.value.filters.length === 0) return "identity exists";
      return node.value.filters
        .map((each) => (each.node.case === "or" && each.node.value.filters.length > 1 ? `(${format(each)})` : format(each)))
        .join(" and ");
    case "or":
      if (node.value.filters.length === 0) return "not identity exists";
      return node.value.filters.map(format).join(" or ");
    case "not": {
      const inner = node.value.node;
      const simple = inner.case === "condition" || inner.case === "not" || inner.case === undefined;
      return simple ? `not ${format(node.value)}` : `not (${format(node.value)})`;
    }
    case "condition": {
      const { field, op, value } = node.value;
      const operator = operatorsByComparison.get(op);
      const name = operator?.textName ?? `?${op}`;
      if (operator?.textName === "exists")
        return value?.kind.case === "boolValue" && !value.kind.value ? `${field} not exists` : `${field} exists`;
      return `${field} ${name} ${formatValue(value)}`;
    }
    default:
      return "identity exists";
  }
}

function formatValue(value: Value | undefined): string {
  const kind = value?.kind;
  switch (kind?.case) {
    case "stringValue":
      return JSON.stringify(kind.value);
    case "numberValue":
      return String(kind.value);
    case "boolValue":
      return String(kind.value);
    case "listValue":
      return `[${kind.value.values.map((each) => JSON.stringify(each)).join(", ")}]`;
    default:
      return '""';
  }
}
