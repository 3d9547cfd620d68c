// A small declarative config schema: each field has a kind, a default and a doc line. Parsing
// fills defaults, rejects unknown fields and reports the exact bad field (see ConfigError).
import { ConfigError, SecretValue } from "./config-error.js";

interface FieldBase<T> {
  /** One line saying what the field is for; shown in the config reference. */
  readonly doc: string;
  /** Value used when the field is absent; a field without one is required. */
  readonly default?: T;
  /** Phantom type carrier. */
  readonly _type?: T;
}

/** A string field, optionally restricted to a set of values or a pattern. */
export interface StringField<T extends string = string> extends FieldBase<T> {
  readonly kind: "string";
  readonly values?: readonly T[];
  readonly pattern?: RegExp;
  readonly patternHint?: string;
  /** A password or token: an error about it never shows the value given. */
  readonly secret?: boolean;
}
/** An integer field with optional bounds. */
export interface IntegerField extends FieldBase<number> {
  readonly kind: "integer";
  readonly min?: number;
  readonly max?: number;
}
/** A boolean field. */
export interface BooleanField extends FieldBase<boolean> {
  readonly kind: "boolean";
}
/** A list of strings. */
export interface StringListField extends FieldBase<string[]> {
  readonly kind: "stringList";
  readonly minItems?: number;
}
/** A nested mapping with its own fields. */
export interface ObjectField<S extends ConfigSchema = ConfigSchema> extends FieldBase<ConfigOf<S>> {
  readonly kind: "object";
  readonly fields: S;
}
/** An optional nested mapping: absent means undefined, present is validated. */
export interface OptionalObjectField<S extends ConfigSchema = ConfigSchema> extends FieldBase<ConfigOf<S> | undefined> {
  readonly kind: "optionalObject";
  readonly fields: S;
}
/** Any value, passed through unvalidated (for blocks validated elsewhere). */
export interface RawField extends FieldBase<unknown> {
  readonly kind: "raw";
}

/** Any field kind. */
export type ConfigField = StringField | IntegerField | BooleanField | StringListField | ObjectField | OptionalObjectField | RawField;

/** A set of named fields. */
export type ConfigSchema = { readonly [name: string]: ConfigField };

/** The parsed value type of a schema. */
export type ConfigOf<S extends ConfigSchema> = {
  -readonly [K in keyof S]: S[K] extends FieldBase<infer T> ? T : never;
};

/** Field constructors: `field.integer("max keys", { default: 1000, min: 0 })`. */
export const field = {
  /** A string; `values` restricts it to a set. */
  string<T extends string = string>(
    doc: string,
    options: { default?: NoInfer<T>; values?: readonly T[]; pattern?: RegExp; patternHint?: string; secret?: boolean } = {},
  ): StringField<T> {
    return { kind: "string", doc, ...options };
  },
  /** An integer within optional bounds. */
  integer(doc: string, options: { default?: number; min?: number; max?: number } = {}): IntegerField {
    return { kind: "integer", doc, ...options };
  },
  /** A boolean. */
  boolean(doc: string, options: { default?: boolean } = {}): BooleanField {
    return { kind: "boolean", doc, ...options };
  },
  /** A list of strings. */
  stringList(doc: string, options: { default?: string[]; minItems?: number } = {}): StringListField {
    return { kind: "stringList", doc, ...options };
  },
  /** A nested mapping whose fields all have defaults (absent = all defaults). */
  object<S extends ConfigSchema>(doc: string, fields: S): ObjectField<S> {
    return { kind: "object", doc, fields };
  },
  /** A nested mapping that may be absent. */
  optionalObject<S extends ConfigSchema>(doc: string, fields: S): OptionalObjectField<S> {
    return { kind: "optionalObject", doc, fields, default: undefined };
  },
  /** A value checked elsewhere. */
  raw(doc: string, options: { default?: unknown } = {}): RawField {
    return { kind: "raw", doc, ...options };
  },
};

/** Where a value being parsed came from, for error messages. */
export interface ConfigLocation {
  /** The file it was read from, if any. */
  file?: string | undefined;
  /** Dotted path of the value inside the file ("" = top level). */
  path?: string;
}

/** Validates `input` against `schema`, filling defaults; throws ConfigError naming the bad field. */
export function parseConfig<S extends ConfigSchema>(schema: S, input: unknown, location: ConfigLocation = {}): ConfigOf<S> {
  return parseFields(schema, input ?? {}, location.file, location.path ?? "") as ConfigOf<S>;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseFields(schema: ConfigSchema, input: unknown, file: string | undefined, path: string): Record<string, unknown> {
  if (!isMapping(input)) {
    throw new ConfigError({ file, field: path, expected: "a mapping", got: input });
  }
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema).join(", ");
      throw new ConfigError({
        file,
        field: join(path, name),
        expected: `one of: ${known}`,
        problem: `unknown field (known fields here: ${known || "none"})`,
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    out[name] = parseField(spec, input[name], file, join(path, name));
  }
  return out;
}

function parseField(spec: ConfigField, value: unknown, file: string | undefined, path: string): unknown {
  if (value === undefined || value === null) {
    if (spec.kind === "object") return parseFields(spec.fields, {}, file, path);
    if ("default" in spec) return structuredClone(spec.default);
    throw new ConfigError({ file, field: path, expected: expectation(spec), problem: `required field is missing (${spec.doc})` });
  }
  const fail = (): never => {
    const got = spec.kind === "string" && spec.secret ? new SecretValue(value) : value;
    throw new ConfigError({ file, field: path, expected: expectation(spec), got });
  };
  switch (spec.kind) {
    case "string":
      if (typeof value !== "string") return fail();
      if (spec.values && !spec.values.includes(value)) return fail();
      if (spec.pattern && !spec.pattern.test(value)) return fail();
      return value;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return fail();
      if (spec.min !== undefined && value < spec.min) return fail();
      if (spec.max !== undefined && value > spec.max) return fail();
      return value;
    case "boolean":
      if (typeof value !== "boolean") return fail();
      return value;
    case "stringList":
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return fail();
      if (spec.minItems !== undefined && value.length < spec.minItems) return fail();
      return [...value];
    case "object":
    case "optionalObject":
      return parseFields(spec.fields, value, file, path);
    case "raw":
      return value;
  }
}

/** Human description of what a field accepts. */
export function expectation(spec: ConfigField): string {
  switch (spec.kind) {
    case "string":
      if (spec.values) return `one of ${spec.values.map((v) => JSON.stringify(v)).join(", ")}`;
      if (spec.pattern) return `a string ${spec.patternHint ?? `matching ${spec.pattern}`}`;
      return "a string";
    case "integer": {
      const bounds = [spec.min !== undefined ? `>= ${spec.min}` : "", spec.max !== undefined ? `<= ${spec.max}` : ""].filter(Boolean);
      return `an integer${bounds.length ? ` ${bounds.join(" and ")}` : ""}`;
    }
    case "boolean":
      return "true or false";
    case "stringList":
      return spec.minItems ? `a list of at least ${spec.minItems} string(s)` : "a list of strings";
    case "object":
    case "optionalObject":
      return "a mapping";
    case "raw":
      return "a value";
  }
}
