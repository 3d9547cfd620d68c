// compileStringFilter: the short string form of a registry filter, for people and the CLI, compiled to
// the wire Filter by a recursive-descent parser over tokenizeFilter's tokens:
//   type = "sensor" and floor >= 2 and (zone = "a" or tags contains "x")
// Comparisons: = (or ==) != < <= > >= in [..] nin [..] prefix suffix contains exists, and `not` before
// in / prefix / suffix / contains / exists; combined with and, or, not and parentheses (not binds
// tightest, then and, then or). Operands: "strings" or 'strings', numbers, true, false, [lists].
// A bad filter is InvalidArgumentError naming the column.
import type { Filter } from "@prism/proto/registry/v1";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { FilterBuilder, type FilterOperand } from "./filter-builder.js";
import { fieldProblem } from "./filter-field.js";
import { checkFilterLimits, type FilterLimits } from "./filter-limits.js";
import { checkOperand, type FilterOperator, operatorsByTextName } from "./filter-operator.js";
import { type FilterToken, tokenizeFilter } from "./filter-tokenizer.js";
import { parseNumberLiteral } from "./number-literal.js";

/** Parentheses and `not`s nested deeper than this are refused whatever the limits (bounds the recursion). */
const maxNesting = 64;

/** Operators written as words; `not` may precede them. */
const wordOperators = new Set(["in", "nin", "prefix", "suffix", "contains", "exists"]);

/**
 * Compiles the string form to the wire Filter, checking type rules and `limits`; undefined for a blank
 * string (no condition: every identity). Throws InvalidArgumentError naming the column of the problem.
 */
export function compileStringFilter(text: string, limits: FilterLimits): Filter | undefined {
  const tokens = tokenizeFilter(text);
  if (tokens.length === 1) return undefined;
  const builder = new FilterBuilder();
  const filter = new StringFilterParser(tokens, builder).parse();
  checkFilterLimits(filter, limits, (node) => builder.sourceOf(node));
  return filter;
}

/** How a token reads in an error message. */
function shown(token: FilterToken): string {
  switch (token.kind) {
    case "end":
      return "the end of the filter";
    case "string":
      return `the string ${JSON.stringify(token.value.length > 40 ? `${token.value.slice(0, 40)}…` : token.value)}`;
    default:
      return JSON.stringify(token.text);
  }
}

/** The keyword a token is (lower case), or undefined when it is not a word. */
function keyword(token: FilterToken): string | undefined {
  return token.kind === "word" ? token.text.toLowerCase() : undefined;
}

class StringFilterParser {
  readonly #tokens: readonly FilterToken[];
  readonly #builder: FilterBuilder;
  #position = 0;
  #nesting = 0;

  constructor(tokens: readonly FilterToken[], builder: FilterBuilder) {
    this.#tokens = tokens;
    this.#builder = builder;
  }

  /** The whole filter; every token must be used. */
  parse(): Filter {
    const filter = this.#or();
    const rest = this.#peek();
    if (rest.kind !== "end") throw this.#error(rest, `expected "and", "or" or the end of the filter, found ${shown(rest)}`);
    return filter;
  }

  #or(): Filter {
    const first = this.#peek();
    const parts = [this.#and()];
    while (keyword(this.#peek()) === "or") {
      this.#next();
      parts.push(this.#and());
    }
    return this.#builder.combine("or", parts, `column ${first.column}`);
  }

  #and(): Filter {
    const first = this.#peek();
    const parts = [this.#unary()];
    while (keyword(this.#peek()) === "and") {
      this.#next();
      parts.push(this.#unary());
    }
    return this.#builder.combine("and", parts, `column ${first.column}`);
  }

  #unary(): Filter {
    const token = this.#peek();
    const after = this.#peek(1);
    // `not` negates, unless it is a field compared with a symbol (`not = 1`).
    if (keyword(token) === "not" && (after.kind !== "symbol" || after.text === "(")) {
      this.#next();
      const inner = this.#nested(token, () => this.#unary());
      return this.#builder.not(inner, `column ${token.column}`);
    }
    return this.#primary();
  }

  #primary(): Filter {
    const token = this.#peek();
    if (token.kind === "symbol" && token.text === "(") {
      this.#next();
      const inner = this.#nested(token, () => this.#or());
      const close = this.#peek();
      if (close.kind !== "symbol" || close.text !== ")") {
        throw this.#error(close, `expected ")" to close the "(" at column ${token.column}, found ${shown(close)}`);
      }
      this.#next();
      return inner;
    }
    return this.#comparison();
  }

  /** `field op operand`, `field exists` or `field not op ...`. */
  #comparison(): Filter {
    const fieldToken = this.#next();
    if (fieldToken.kind !== "word") throw this.#error(fieldToken, `expected a field name, "not" or "(", found ${shown(fieldToken)}`);
    const field = fieldToken.text;
    const problem = fieldProblem(field);
    if (problem !== undefined || parseNumberLiteral(field) !== undefined) {
      throw this.#error(fieldToken, `expected a field name, found ${shown(fieldToken)}`);
    }
    const source = `column ${fieldToken.column}`;
    let opToken = this.#next();
    let negated = false;
    if (keyword(opToken) === "not") {
      negated = true;
      opToken = this.#next();
      if (!wordOperators.has(keyword(opToken) ?? "")) {
        throw this.#error(opToken, `expected in, nin, prefix, suffix, contains or exists after "not", found ${shown(opToken)}`);
      }
    }
    const name = opToken.kind === "symbol" ? (opToken.text === "==" ? "=" : opToken.text) : keyword(opToken);
    const operator = name === undefined ? undefined : operatorsByTextName.get(name);
    if (operator === undefined || name === undefined) {
      throw this.#error(
        opToken,
        `expected a comparison (= != < <= > >= in nin prefix suffix contains exists) after ${JSON.stringify(field)}, found ${shown(opToken)}`,
      );
    }
    if (name === "exists") return this.#builder.condition(field, operator.comparison, !negated, source);
    if (negated && (name === "in" || name === "nin")) {
      const opposite = operatorsByTextName.get(name === "in" ? "nin" : "in");
      if (opposite === undefined) throw new Error("unreachable: in and nin are always defined");
      return this.#builder.condition(field, opposite.comparison, this.#operand(opposite, `not ${name}`), source);
    }
    const condition = this.#builder.condition(field, operator.comparison, this.#operand(operator, name), source);
    return negated ? this.#builder.not(condition, source) : condition;
  }

  /** The operand after an operator, checked against its type rule. */
  #operand(operator: FilterOperator, name: string): FilterOperand {
    const token = this.#peek();
    const value = this.#value(name);
    const checked = checkOperand(operator, name, value);
    if (typeof checked === "object" && "problem" in checked) throw this.#error(token, `${checked.problem}, found ${shown(token)}`);
    return checked;
  }

  /** A string, number, true, false or [list]. */
  #value(after: string): unknown {
    const token = this.#next();
    if (token.kind === "string") return token.value;
    if (token.kind === "symbol" && token.text === "[") return this.#list(token);
    if (token.kind === "word") {
      const word = token.text.toLowerCase();
      if (word === "true") return true;
      if (word === "false") return false;
      const number = parseNumberLiteral(token.text);
      if (number !== undefined) return number;
      throw this.#error(
        token,
        `expected a value after ${JSON.stringify(after)} ("a string", a number, true, false or [a list]), found ${shown(token)}: quote strings`,
      );
    }
    throw this.#error(
      token,
      `expected a value after ${JSON.stringify(after)} ("a string", a number, true, false or [a list]), found ${shown(token)}`,
    );
  }

  /** `[ value, value, ... ]` after its "[" (the elements' types are checked by the operator). */
  #list(open: FilterToken): unknown[] {
    const values: unknown[] = [];
    if (this.#isSymbol(this.#peek(), "]")) {
      this.#next();
      return values;
    }
    for (;;) {
      const element = this.#next();
      if (element.kind === "string") values.push(element.value);
      else if (element.kind === "word" && parseNumberLiteral(element.text) !== undefined) values.push(parseNumberLiteral(element.text));
      else throw this.#error(element, `expected a "string" in the list opened at column ${open.column}, found ${shown(element)}`);
      const separator = this.#next();
      if (this.#isSymbol(separator, "]")) return values;
      if (!this.#isSymbol(separator, ",")) {
        throw this.#error(separator, `expected "," or "]" in the list opened at column ${open.column}, found ${shown(separator)}`);
      }
    }
  }

  /** Runs `parse` one nesting level deeper, refusing runaway nesting. */
  #nested<T>(token: FilterToken, parse: () => T): T {
    if (++this.#nesting > maxNesting) throw this.#error(token, `the filter nests deeper than ${maxNesting} levels`);
    try {
      return parse();
    } finally {
      this.#nesting--;
    }
  }

  #isSymbol(token: FilterToken, text: string): boolean {
    return token.kind === "symbol" && token.text === text;
  }

  #peek(ahead = 0): FilterToken {
    return this.#tokens[Math.min(this.#position + ahead, this.#tokens.length - 1)] as FilterToken;
  }

  #next(): FilterToken {
    const token = this.#peek();
    if (this.#position < this.#tokens.length - 1) this.#position++;
    return token;
  }

  #error(token: FilterToken, problem: string): InvalidArgumentError {
    return new InvalidArgumentError(`column ${token.column}: ${problem}`);
  }
}
