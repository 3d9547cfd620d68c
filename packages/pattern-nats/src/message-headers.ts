// NATS headers of a Prism message: its id, publish time and metadata. Metadata travels as one JSON
// header, because NATS header names cannot hold every string and values lose CR/LF and outer spaces.
import { headers, type MsgHdrs } from "@nats-io/transport-node";

/** Header carrying the message id returned by publish. */
export const MESSAGE_ID_HEADER = "Prism-Message-Id";
/** Header carrying the publish time, Unix milliseconds. */
export const PUBLISHED_AT_HEADER = "Prism-Published-At";
/** Header carrying the metadata as a JSON object of strings (absent when there is none). */
export const METADATA_HEADER = "Prism-Metadata";

/** What a receiver reads from a message's headers; absent fields are undefined. */
export interface PrismHeaders {
  /** Message id, when a Prism publisher sent it. */
  messageId: string | undefined;
  /** Publish time in Unix milliseconds, when a Prism publisher sent it. */
  publishedAtMs: number | undefined;
  /** Metadata (empty when there is none or it is malformed). */
  metadata: Record<string, string>;
}

/** Builds the headers of a message published by Prism. */
export function encodeHeaders(messageId: string, publishedAtMs: number, metadata: Record<string, string>): MsgHdrs {
  const h = headers();
  h.set(MESSAGE_ID_HEADER, messageId);
  h.set(PUBLISHED_AT_HEADER, String(publishedAtMs));
  if (Object.keys(metadata).length > 0) h.set(METADATA_HEADER, JSON.stringify(metadata));
  return h;
}

/** Reads the Prism headers of a received message (any of them may be missing: non-Prism publishers). */
export function decodeHeaders(h: MsgHdrs | undefined): PrismHeaders {
  if (!h) return { messageId: undefined, publishedAtMs: undefined, metadata: {} };
  const messageId = h.get(MESSAGE_ID_HEADER) || undefined;
  const publishedAt = Number(h.get(PUBLISHED_AT_HEADER));
  return {
    messageId,
    publishedAtMs: h.has(PUBLISHED_AT_HEADER) && Number.isFinite(publishedAt) ? publishedAt : undefined,
    metadata: parseMetadata(h.get(METADATA_HEADER)),
  };
}

function parseMetadata(json: string): Record<string, string> {
  if (json === "") return {};
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) if (typeof item === "string") out[key] = item;
    return out;
  } catch {
    return {};
  }
}
