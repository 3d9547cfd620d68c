// compileJsonFilter: RFC-017's JSON form of a registry filter compiled to the wire Filter, e.g.
// `{ type: "sensor", floor: { $gte: 2 }, $or: [{ zone: "a" }, { tags: { $contains: "x" } }] }`.
// Several keys in one object all apply (and); a bare value means $eq; `identity` is the identity.
// A bad filter is InvalidArgumentError naming the path: `$or[1].floor: $gte expects a number or a string`.
import type { Filter } from "@prism/proto/registry/v1";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { FilterBuilder } from "./filter-builder.js";
import { fieldProblem } from "./filter-field.js";
import { checkFilterLimits, type FilterLimits } from "./filter-limits.js";
import { checkOperand, type FilterOperator, jsonOperatorNames, operatorsByJsonName } from "./filter-operator.js";

/** A bare value of a field: $eq to it (a list is equal element by element). */
export type FilterValue = string | number | boolean | readonly string[];

/** The operators applied to one field; several apply together (and). */
export type FieldOperators = {
  /** Equal, same type. */
  $eq?: FilterValue;
  /** Not equal, or absent. */
  $ne?: FilterValue;
  /** Less than (numbers, or strings by code unit). */
  $lt?: number | string;
  /** Less than or equal. */
  $lte?: number | string;
  /** Greater than. */
  $gt?: number | string;
  /** Greater than or equal. */
  $gte?: number | string;
  /** The field's string value is one of these. */
  $in?: readonly string[];
  /** The field's string value is none of these, or the field is absent. */
  $nin?: readonly string[];
  /** The field's string value starts with this. */
  $prefix?: string;
  /** The field's string value ends with this. */
  $suffix?: string;
  /** The field's list holds this string (or its string value contains it). */
  $contains?: string;
  /** The field is present (true) or absent (false). */
  $exists?: boolean;
  /** None of these operators' conditions hold together. */
  $not?: FieldOperators;
};

/** RFC-017's JSON form of a filter: fields with a value or operators, and $and / $or / $not. */
export type FilterObject = {
  /** Every filter matches (an empty list matches everything). */
  $and?: readonly FilterObject[];
  /** Any filter matches (an empty list matches nothing). */
  $or?: readonly FilterObject[];
  /** The filter does not match. */
  $not?: FilterObject;
  /** A metadata field (or `identity`) and its value (= $eq) or operators. */
  [field: string]: FilterValue | FieldOperators | FilterObject | readonly FilterObject[] | undefined;
};

/** The operator a bare value stands for. */
const equals = operatorsByJsonName.get("$eq") as FilterOperator;

/** Objects deeper than this are refused whatever the limits (keeps the compiler's recursion bounded). */
const maxNesting = 64;

/**
 * Compiles a JSON filter to the wire Filter, checking type rules and `limits`; undefined when it has no
 * condition at all (`{}` matches every identity). Throws InvalidArgumentError naming the bad node's path.
 */
export function compileJsonFilter(filter: FilterObject, limits: FilterLimits): Filter | undefined {
  const builder = new FilterBuilder();
  const compiled = new JsonFilterCompiler(builder).object(filter, "", 0);
  if (compiled.node.case === "and" && compiled.node.value.filters.length === 0) return undefined;
  checkFilterLimits(compiled, limits, (node) => builder.sourceOf(node) || "filter");
  return compiled;
}

/** The path of `key` under `path` ("floor", "$or[1].floor"). */
function child(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function invalid(path: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`${path || "filter"}: ${problem}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Entries of an object, leaving out keys whose value is undefined. */
function entriesOf(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(([, each]) => each !== undefined);
}

class JsonFilterCompiler {
  readonly #builder: FilterBuilder;

  constructor(builder: FilterBuilder) {
    this.#builder = builder;
  }

  /** A filter object: the and of its keys. */
  object(value: unknown, path: string, nesting: number): Filter {
    if (nesting > maxNesting) throw invalid(path, `the filter nests deeper than ${maxNesting} levels`);
    if (!isPlainObject(value)) throw invalid(path, `expects a filter object, got ${describe(value)}`);
    const parts: Filter[] = [];
    for (const [key, each] of entriesOf(value)) {
      const here = child(path, key);
      if (key === "$and" || key === "$or") {
        if (!Array.isArray(each)) throw invalid(here, `expects a list of filter objects, got ${describe(each)}`);
        const members = each.map((member, index) => this.object(member, `${here}[${index}]`, nesting + 1));
        parts.push(this.#builder.combine(key === "$and" ? "and" : "or", members, here));
      } else if (key === "$not") {
        parts.push(this.#builder.not(this.object(each, here, nesting + 1), here));
      } else if (key.startsWith("$")) {
        throw invalid(here, `unknown operator ${key} here (expected a field name, $and, $or or $not)`);
      } else {
        const problem = fieldProblem(key);
        if (problem !== undefined) throw invalid(here, problem);
        parts.push(this.#field(key, each, here, nesting + 1));
      }
    }
    return this.#builder.combine("and", parts, path);
  }

  /** One field's value or operators. */
  #field(field: string, value: unknown, path: string, nesting: number): Filter {
    if (value === null) throw invalid(path, "null is not a value (use { $exists: false } for an absent field)");
    if (isPlainObject(value)) return this.#operators(field, value, path, nesting);
    const operand = checkOperand(equals, "$eq", value);
    if (typeof operand === "object" && "problem" in operand) {
      throw invalid(path, `${operand.problem} (a bare value means $eq; or give an object of operators), got ${describe(value)}`);
    }
    return this.#builder.condition(field, equals.comparison, operand, path);
  }

  /** An object of operators applied to one field (and). */
  #operators(field: string, value: Record<string, unknown>, path: string, nesting: number): Filter {
    if (nesting > maxNesting) throw invalid(path, `the filter nests deeper than ${maxNesting} levels`);
    const entries = entriesOf(value);
    if (entries.length === 0) throw invalid(path, `expects at least one operator (${jsonOperatorNames})`);
    const parts: Filter[] = [];
    for (const [name, operand] of entries) {
      if (name === "$not") {
        if (!isPlainObject(operand)) throw invalid(`${path}.$not`, `expects an object of operators, got ${describe(operand)}`);
        parts.push(this.#builder.not(this.#operators(field, operand, `${path}.$not`, nesting + 1), `${path}.$not`));
        continue;
      }
      const operator = operatorsByJsonName.get(name);
      if (operator === undefined) {
        const hint = name.startsWith("$") ? "" : " (nested objects are not metadata values)";
        throw invalid(path, `unknown operator ${JSON.stringify(name.slice(0, 64))}${hint}; expected one of ${jsonOperatorNames}, $not`);
      }
      const checked = checkOperand(operator, name, operand);
      if (typeof checked === "object" && "problem" in checked) throw invalid(path, `${checked.problem}, got ${describe(operand)}`);
      parts.push(this.#builder.condition(field, operator.comparison, checked, path));
    }
    return this.#builder.combine("and", parts, path);
  }
}

/** A short description of a value for an error message. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  if (typeof value === "object") return isPlainObject(value) ? "an object" : `a ${value.constructor?.name ?? "non-plain"} object`;
  return typeof value;
}
