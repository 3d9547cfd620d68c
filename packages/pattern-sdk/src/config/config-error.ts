// The error every config problem raises: it names the file, the field and what was expected.

/** A configuration value that cannot be used, with the file, field path and expectation. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The config file, when the value came from one. */
  readonly file: string | undefined;
  /** Dotted path of the bad field, for example "namespaces.cache.keyvalue.backend". */
  readonly field: string;
  /** What would have been accepted. */
  readonly expected: string;

  constructor(options: { file?: string | undefined; field: string; expected: string; got?: unknown; problem?: string }) {
    const where = `${options.file ? `${options.file}: ` : ""}${options.field || "(top level)"}`;
    const got = "got" in options ? `, got ${describe(options.got)}` : "";
    super(`${where}: ${options.problem ?? `expected ${options.expected}${got}`}`);
    this.file = options.file;
    this.field = options.field;
    this.expected = options.expected;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}
