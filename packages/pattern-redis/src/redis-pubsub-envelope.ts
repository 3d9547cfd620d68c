// Wire format of one PubSub message on a Redis channel: a one-line JSON header, a newline byte (0x0A),
// then the payload bytes exactly as published:
//   {"v":1,"id":"<16 hex>","publishedAtMs":<Unix ms>,"metadata":{"<key>":"<value>",...}}\n<payload>
// JSON.stringify never writes a raw newline, so the first 0x0A ends the header; the payload travels
// unencoded (no base64 growth) and may hold any bytes, newlines included. The topic is the channel's.

/** Version written in (and required of) every header. */
const ENVELOPE_VERSION = 1;

/** Byte that ends the header. */
const NEWLINE = 0x0a;

/** One message as it travels over Redis. */
export interface RedisPubSubEnvelope {
  /** Id returned by publish. */
  messageId: string;
  /** Publish time, Unix milliseconds. */
  publishedAtMs: number;
  /** Metadata as published. */
  metadata: Record<string, string>;
  /** Payload as published. */
  payload: Uint8Array;
}

/** Encodes a message for PUBLISH. */
export function encodeEnvelope(envelope: RedisPubSubEnvelope): Buffer {
  const header = JSON.stringify({
    v: ENVELOPE_VERSION,
    id: envelope.messageId,
    publishedAtMs: envelope.publishedAtMs,
    metadata: envelope.metadata,
  });
  const { payload } = envelope;
  return Buffer.concat([Buffer.from(`${header}\n`), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)]);
}

/** Decodes a received message; undefined when `data` is not an envelope of this version (a foreign publisher). */
export function decodeEnvelope(data: Uint8Array): RedisPubSubEnvelope | undefined {
  const end = data.indexOf(NEWLINE);
  if (end < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(data.buffer, data.byteOffset, end).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof header !== "object" || header === null) return undefined;
  const { v, id, publishedAtMs, metadata } = header as Record<string, unknown>;
  if (v !== ENVELOPE_VERSION || typeof id !== "string" || typeof publishedAtMs !== "number" || !Number.isFinite(publishedAtMs)) {
    return undefined;
  }
  if (!isStringRecord(metadata)) return undefined;
  // A copy: the received buffer may share memory with the client's read buffers.
  return { messageId: id, publishedAtMs, metadata, payload: new Uint8Array(data.subarray(end + 1)) };
}

/** Whether `value` is a plain object of string values (JSON.parse made it, so its keys are all own data properties). */
function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((entry) => typeof entry === "string");
}
