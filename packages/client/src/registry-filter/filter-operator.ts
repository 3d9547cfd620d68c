// The comparison operators of a registry filter: their names in the JSON form ($gte) and the string
// form (>=), their wire Comparison, and the type rule of their operand (`$gte expects a number or a string`).
import { Comparison } from "@prism/proto/registry/v1";
import type { FilterOperand } from "./filter-builder.js";
import { maxInListLength, maxOperandChars } from "./filter-field.js";

/** The kinds of operand an operator takes. */
type OperandRule = "value" | "ordered" | "list" | "string" | "boolean";

/** One comparison operator. */
export type FilterOperator = {
  /** The wire comparison. */
  comparison: Comparison;
  /** Its name in the JSON form, e.g. "$gte". */
  jsonName: string;
  /** Its name in the string form, e.g. ">=". */
  textName: string;
  /** What its operand must be. */
  rule: OperandRule;
};

const operators: readonly FilterOperator[] = [
  { comparison: Comparison.EQ, jsonName: "$eq", textName: "=", rule: "value" },
  { comparison: Comparison.NE, jsonName: "$ne", textName: "!=", rule: "value" },
  { comparison: Comparison.LT, jsonName: "$lt", textName: "<", rule: "ordered" },
  { comparison: Comparison.LTE, jsonName: "$lte", textName: "<=", rule: "ordered" },
  { comparison: Comparison.GT, jsonName: "$gt", textName: ">", rule: "ordered" },
  { comparison: Comparison.GTE, jsonName: "$gte", textName: ">=", rule: "ordered" },
  { comparison: Comparison.IN, jsonName: "$in", textName: "in", rule: "list" },
  { comparison: Comparison.NIN, jsonName: "$nin", textName: "nin", rule: "list" },
  { comparison: Comparison.PREFIX, jsonName: "$prefix", textName: "prefix", rule: "string" },
  { comparison: Comparison.SUFFIX, jsonName: "$suffix", textName: "suffix", rule: "string" },
  { comparison: Comparison.CONTAINS, jsonName: "$contains", textName: "contains", rule: "string" },
  { comparison: Comparison.EXISTS, jsonName: "$exists", textName: "exists", rule: "boolean" },
];

/** The operators by JSON name ("$gte"). */
export const operatorsByJsonName: ReadonlyMap<string, FilterOperator> = new Map(operators.map((each) => [each.jsonName, each]));

/** The operators by string-form name (">=", "contains"). */
export const operatorsByTextName: ReadonlyMap<string, FilterOperator> = new Map(operators.map((each) => [each.textName, each]));

/** The operators by wire comparison. */
export const operatorsByComparison: ReadonlyMap<Comparison, FilterOperator> = new Map(operators.map((each) => [each.comparison, each]));

/** Every JSON operator name, for error messages. */
export const jsonOperatorNames = operators.map((each) => each.jsonName).join(", ");

const expectations: Record<OperandRule, string> = {
  value: "expects a string, a number, a boolean or a list of strings",
  ordered: "expects a number or a string",
  list: "expects a list of strings",
  string: "expects a string",
  boolean: "expects true or false",
};

/**
 * Checks `operand` against the operator's type rule and the server's operand bounds; returns it as a
 * FilterOperand, or a problem such as "$gte expects a number or a string" (`name` is how the caller wrote the operator).
 */
export function checkOperand(operator: FilterOperator, name: string, operand: unknown): FilterOperand | { problem: string } {
  const fail = (why = expectations[operator.rule]) => ({ problem: `${name} ${why}` });
  const kind = kindOf(operand);
  const fits =
    operator.rule === "value"
      ? kind !== undefined
      : operator.rule === "ordered"
        ? kind === "string" || kind === "number"
        : operator.rule === "list"
          ? kind === "list"
          : operator.rule === "string"
            ? kind === "string"
            : kind === "boolean";
  if (!fits) return fail();
  if (typeof operand === "number" && !Number.isFinite(operand)) return fail("expects a finite number");
  if (typeof operand === "string" && operand.length > maxOperandChars)
    return fail(`expects a string of at most ${maxOperandChars} characters`);
  if (Array.isArray(operand)) {
    if (operand.length > maxInListLength) return fail(`expects a list of at most ${maxInListLength} strings`);
    if (operand.some((each: string) => each.length > maxOperandChars)) {
      return fail(`expects strings of at most ${maxOperandChars} characters`);
    }
  }
  return operand as FilterOperand;
}

/** The operand kind of a JS value, or undefined when it is none (a list must hold strings only). */
function kindOf(value: unknown): "string" | "number" | "boolean" | "list" | undefined {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return typeof value as "string" | "number" | "boolean";
  if (Array.isArray(value) && value.every((each) => typeof each === "string")) return "list";
  return undefined;
}
