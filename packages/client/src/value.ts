// PrismValue: what callers may store (text or bytes) and the UTF-8 conversions to and from bytes.

/** A value to store: a string (stored as UTF-8) or raw bytes. */
export type PrismValue = string | Uint8Array;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Converts a value to the bytes sent on the wire: strings as UTF-8, bytes unchanged. */
export function toBytes(value: PrismValue): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}

/** Decodes stored bytes as UTF-8 text (invalid sequences become U+FFFD). */
export function toText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
