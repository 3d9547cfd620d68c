// Typed metadata of a registration: field names, value kinds and size bounds, checked once when
// an identity registers, and the conversion between the wire `Value` map and plain values.
import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Value, ValueSchema } from "@prism/proto/registry/v1";
import type { MetadataValue, RegistryMetadata } from "./registry-backend.js";

/** A metadata field name: 1-128 letters, digits, '.', '_' or '-' ("identity" is reserved for the identity itself). */
export const metadataFieldPattern = /^[A-Za-z0-9._-]{1,128}$/;

/** Bounds of one identity's metadata. */
export interface MetadataLimits {
  /** Most fields. */
  maxIdentityMetadataEntries: number;
  /** Most bytes of names and values together (UTF-8; numbers and booleans count 8). */
  maxIdentityMetadataBytes: number;
}

/** Checks wire metadata against `limits` and returns it as plain values; INVALID_ARGUMENT naming the bad field. */
export function metadataFromWire(metadata: Record<string, Value>, limits: MetadataLimits): RegistryMetadata {
  const names = Object.keys(metadata);
  if (names.length > limits.maxIdentityMetadataEntries) {
    throw invalid(
      `metadata has ${names.length} fields; the limit is ${limits.maxIdentityMetadataEntries} (limits.maxIdentityMetadataEntries)`,
    );
  }
  const plain: Record<string, MetadataValue> = {};
  let bytes = 0;
  for (const name of names) {
    if (!metadataFieldPattern.test(name) || name === "identity") {
      throw invalid(
        `metadata field ${JSON.stringify(name.slice(0, 64))}: names are 1-128 letters, digits, '.', '_' or '-', and "identity" is reserved`,
      );
    }
    const kind = (metadata[name] as Value).kind;
    bytes += name.length;
    switch (kind.case) {
      case "stringValue":
        plain[name] = kind.value;
        bytes += Buffer.byteLength(kind.value, "utf8");
        break;
      case "numberValue":
        if (!Number.isFinite(kind.value)) throw invalid(`metadata.${name}: a number must be finite`);
        plain[name] = kind.value;
        bytes += 8;
        break;
      case "boolValue":
        plain[name] = kind.value;
        bytes += 8;
        break;
      case "listValue":
        plain[name] = [...kind.value.values];
        for (const each of kind.value.values) bytes += Buffer.byteLength(each, "utf8") + 1;
        break;
      default:
        throw invalid(`metadata.${name}: no value (set a string, number, bool or list of strings)`);
    }
    if (bytes > limits.maxIdentityMetadataBytes) {
      throw invalid(`metadata is over ${limits.maxIdentityMetadataBytes} bytes (limits.maxIdentityMetadataBytes) at field ${name}`);
    }
  }
  return plain;
}

/** Plain metadata as the wire `Value` map. */
export function metadataToWire(metadata: RegistryMetadata): Record<string, MessageInitShape<typeof ValueSchema>> {
  const wire: Record<string, MessageInitShape<typeof ValueSchema>> = {};
  for (const [name, value] of Object.entries(metadata)) wire[name] = { kind: valueKind(value) };
  return wire;
}

/** The wire `kind` of one plain value. */
function valueKind(value: MetadataValue): MessageInitShape<typeof ValueSchema>["kind"] {
  if (typeof value === "string") return { case: "stringValue", value };
  if (typeof value === "number") return { case: "numberValue", value };
  if (typeof value === "boolean") return { case: "boolValue", value };
  return { case: "listValue", value: { values: [...value] } };
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
