// tokenizeFilter: splits the string form of a registry filter into words, quoted strings and
// symbols, in one left-to-right pass (no regex, no backtracking), each with its 1-based column.
import { InvalidArgumentError } from "../errors/error-classes.js";

/** Longest filter string accepted, in characters. */
export const maxFilterStringLength = 4096;

/** One token of a filter string. */
export type FilterToken =
  | {
      /** A run of letters, digits, '.', '_', '-' or '+': a field, keyword, number, true or false. */
      kind: "word";
      /** The word as written. */
      text: string;
      /** 1-based column of its first character. */
      column: number;
    }
  | {
      /** A quoted string ("..." or '...', with JSON-style backslash escapes). */
      kind: "string";
      /** The string's value, escapes decoded. */
      value: string;
      /** 1-based column of the opening quote. */
      column: number;
    }
  | {
      /** Punctuation or a comparison symbol. */
      kind: "symbol";
      /** One of ( ) [ ] , = == != < <= > >= */
      text: string;
      /** 1-based column of its first character. */
      column: number;
    }
  | {
      /** The end of the input. */
      kind: "end";
      /** 1-based column just past the last character. */
      column: number;
    };

const escapes: Record<string, string> = { '"': '"', "'": "'", "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** Splits `text` into tokens ending with an "end" token; InvalidArgumentError naming the column of a bad character. */
export function tokenizeFilter(text: string): FilterToken[] {
  if (text.length > maxFilterStringLength) {
    throw new InvalidArgumentError(`the filter string is ${text.length} characters long; the limit is ${maxFilterStringLength}`);
  }
  const tokens: FilterToken[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    const column = index + 1;
    if (char === " " || char === "\t" || char === "\n" || char === "\r") {
      index++;
    } else if (isWordChar(char)) {
      const start = index;
      while (index < text.length && isWordChar(text[index] as string)) index++;
      tokens.push({ kind: "word", text: text.slice(start, index), column });
    } else if (char === '"' || char === "'") {
      const [value, end] = readString(text, index);
      tokens.push({ kind: "string", value, column });
      index = end;
    } else if (char === "(" || char === ")" || char === "[" || char === "]" || char === ",") {
      tokens.push({ kind: "symbol", text: char, column });
      index++;
    } else if (char === "=" || char === "<" || char === ">" || char === "!") {
      const two = text.slice(index, index + 2);
      if (two === "==" || two === "!=" || two === "<=" || two === ">=") {
        tokens.push({ kind: "symbol", text: two, column });
        index += 2;
      } else if (char === "!") {
        throw new InvalidArgumentError(`column ${column}: "!" must be followed by "=" (use "not" to negate)`);
      } else {
        tokens.push({ kind: "symbol", text: char, column });
        index++;
      }
    } else {
      throw new InvalidArgumentError(`column ${column}: unexpected character ${JSON.stringify(char)}`);
    }
  }
  tokens.push({ kind: "end", column: text.length + 1 });
  return tokens;
}

/** Letters, digits, '.', '_', '-' and '+' (the last for numbers such as 1e+21). */
function isWordChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    char === "." ||
    char === "_" ||
    char === "-" ||
    char === "+"
  );
}

/** Reads the quoted string opening at `start`; returns its value and the index after the closing quote. */
function readString(text: string, start: number): [string, number] {
  const quote = text[start];
  let value = "";
  let index = start + 1;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === quote) return [value, index + 1];
    if (char !== "\\") {
      value += char;
      index++;
      continue;
    }
    const escaped = text[index + 1];
    if (escaped === "u") {
      const hex = text.slice(index + 2, index + 6);
      if (hex.length !== 4 || !isHex(hex)) {
        throw new InvalidArgumentError(`column ${index + 1}: "\\u" must be followed by 4 hex digits`);
      }
      value += String.fromCharCode(Number.parseInt(hex, 16));
      index += 6;
    } else if (escaped !== undefined && Object.hasOwn(escapes, escaped)) {
      value += escapes[escaped];
      index += 2;
    } else {
      throw new InvalidArgumentError(`column ${index + 1}: unknown escape ${JSON.stringify(`\\${escaped ?? ""}`)} in a string`);
    }
  }
  throw new InvalidArgumentError(`column ${start + 1}: the string opened here is not closed (missing ${quote})`);
}

function isHex(text: string): boolean {
  for (const char of text) {
    const code = char.toLowerCase().charCodeAt(0);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}
