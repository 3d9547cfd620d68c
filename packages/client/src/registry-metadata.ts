// Registry metadata: the plain values a caller registers (string, number, boolean, list of strings)
// and their conversion to and from the wire's typed `Value` map.
import { create } from "@bufbuild/protobuf";
import { StringListSchema, type Value, ValueSchema } from "@prism/proto/registry/v1";
import { InvalidArgumentError } from "./errors/error-classes.js";

/** One metadata value: a string, a finite number, a boolean or a list of strings. */
export type RegistryMetadataValue = string | number | boolean | readonly string[];

/** An identity's metadata: typed values by field name (1-128 letters, digits, '.', '_' or '-'). */
export type RegistryMetadata = Readonly<Record<string, RegistryMetadataValue>>;

/** Converts plain metadata to the wire map, refusing values of other types (InvalidArgumentError naming the field). */
export function metadataToWire(metadata: RegistryMetadata | undefined): Record<string, Value> {
  const wire: Record<string, Value> = {};
  if (metadata === undefined) return wire;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new InvalidArgumentError("metadata must be an object of field names to values");
  }
  for (const [name, value] of Object.entries(metadata)) {
    if (value === undefined) continue;
    wire[name] = create(ValueSchema, { kind: kindOf(name, value) });
  }
  return wire;
}

/** Converts the wire map to plain values (a value with no kind is left out). */
export function metadataFromWire(wire: Record<string, Value>): Record<string, string | number | boolean | string[]> {
  const metadata: Record<string, string | number | boolean | string[]> = {};
  for (const [name, value] of Object.entries(wire)) {
    const kind = value.kind;
    if (kind.case === "listValue") metadata[name] = [...kind.value.values];
    else if (kind.case !== undefined) metadata[name] = kind.value;
  }
  return metadata;
}

function kindOf(name: string, value: unknown): Value["kind"] {
  if (typeof value === "string") return { case: "stringValue", value };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`metadata.${name}: a number must be finite, got ${value}`);
    return { case: "numberValue", value };
  }
  if (typeof value === "boolean") return { case: "boolValue", value };
  if (Array.isArray(value) && value.every((each) => typeof each === "string")) {
    return { case: "listValue", value: create(StringListSchema, { values: [...value] }) };
  }
  const shown = value === null ? "null" : Array.isArray(value) ? "a list that holds more than strings" : `a ${typeof value}`;
  throw new InvalidArgumentError(`metadata.${name}: expects a string, a finite number, a boolean or a list of strings, got ${shown}`);
}
