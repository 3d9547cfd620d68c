// encodeBytes: a value or payload for output: its UTF-8 text when it is valid UTF-8, base64 otherwise, saying which.

/** How a value's bytes are written in JSON output. */
export type BytesEncoding = "utf8" | "base64";

/** Bytes as text plus the encoding used. */
export type EncodedBytes = {
  /** The UTF-8 text, or the base64 of the bytes. */
  text: string;
  /** "utf8" when the bytes were valid UTF-8, else "base64". */
  encoding: BytesEncoding;
};

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Encodes `bytes` as their UTF-8 text when valid, otherwise as base64. */
export function encodeBytes(bytes: Uint8Array): EncodedBytes {
  try {
    return { text: strictDecoder.decode(bytes), encoding: "utf8" };
  } catch {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"), encoding: "base64" };
  }
}

/** One line of human output for bytes: the text (escaped for the terminal) or `base64:…` with the size. */
export function describeBytes(bytes: Uint8Array, toPrintable: (text: string) => string): string {
  const encoded = encodeBytes(bytes);
  return encoded.encoding === "utf8" ? toPrintable(encoded.text) : `<${bytes.byteLength} bytes, not UTF-8; base64: ${encoded.text}>`;
}
