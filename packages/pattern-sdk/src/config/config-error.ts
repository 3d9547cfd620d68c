// The error every config problem raises: it names the file (and line, when known), the field and
// what was expected.

/** Where and what of a config problem. */
export interface ConfigErrorOptions {
  /** The config file, when the value came from one. */
  file?: string | undefined;
  /** Dotted path of the bad field; "" = the document as a whole. */
  field: string;
  /** What would have been accepted. */
  expected: string;
  /** The value found, described in the message as "got ...". */
  got?: unknown;
  /** The whole problem in words, instead of "expected ..., got ...". */
  problem?: string;
  /** 1-based line in the file, when known (YAML syntax errors). */
  line?: number;
  /** 1-based column in the file, when known. */
  column?: number;
}

/** A configuration value that cannot be used, with the file, field path and expectation. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The config file, when the value came from one. */
  readonly file: string | undefined;
  /** Dotted path of the bad field, for example "namespaces.cache.keyvalue.backend"; "" for the whole document. */
  readonly field: string;
  /** What would have been accepted. */
  readonly expected: string;
  /** The message without its "file: field: " prefix. */
  readonly problem: string;

  constructor(options: ConfigErrorOptions) {
    const got = "got" in options ? `, got ${describe(options.got)}` : "";
    const topLevel = options.field === "" && options.problem === undefined ? " at the top level" : "";
    const problem = options.problem ?? `expected ${options.expected}${topLevel}${got}`;
    const position = options.line === undefined ? "" : `:${options.line}${options.column === undefined ? "" : `:${options.column}`}`;
    const where = [options.file === undefined ? undefined : `${options.file}${position}`, options.field || undefined].filter(Boolean);
    super(`${where.length > 0 ? `${where.join(": ")}: ` : ""}${problem}`);
    this.file = options.file;
    this.field = options.field;
    this.expected = options.expected;
    this.problem = problem;
  }
}

/** A value given for a secret field: errors describe its kind, never the value. */
export class SecretValue {
  constructor(
    /** The value as given. */
    readonly value: unknown,
  ) {}
}

/** Longest part of a given string shown in an error. */
const maxShownChars = 100;

function describe(value: unknown): string {
  if (value instanceof SecretValue) return `${kindOf(value.value)} (not shown: the field is secret)`;
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    // A URL's user:password@ is never shown.
    const shown = value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1***@");
    return shown.length > maxShownChars
      ? `${JSON.stringify(shown.slice(0, maxShownChars))}… (${shown.length} characters)`
      : JSON.stringify(shown);
  }
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value === "string" ? "a string" : `a ${typeof value}`;
}
