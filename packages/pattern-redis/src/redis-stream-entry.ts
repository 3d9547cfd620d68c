// One PubSub message as an entry of the namespace's Redis Stream (at-least-once mode): field `t` holds
// the topic and field `m` the same envelope Redis pub/sub carries (redis-pubsub-envelope.ts: metadata,
// publish time, payload bytes as they are). The message id is the entry's id (`<ms>-<seq>`), so an ack
// names the entry directly, on any proxy.
import type { PubSubMessage } from "@prism/pattern-sdk";
import { decodeEnvelope, encodeEnvelope } from "./redis-pubsub-envelope.js";

/** An entry as XREADGROUP / XAUTOCLAIM (Buffer variants) return it: its id and its field-value list. */
export type StreamEntryReply = [id: Buffer | string, fields: Array<Buffer | string> | null];

/** The XADD field-value arguments of a message. */
export function streamEntryFields(
  topic: string,
  payload: Uint8Array,
  metadata: Record<string, string>,
  publishedAtMs: number,
): Array<string | Buffer> {
  return ["t", topic, "m", encodeEnvelope({ messageId: "", publishedAtMs, metadata, payload })];
}

/** The message of an entry delivered for the `deliveryAttempt`th time; undefined when it is not one of ours. */
export function decodeStreamEntry([id, fields]: StreamEntryReply, deliveryAttempt: number): PubSubMessage | undefined {
  if (fields === null || fields.length !== 4 || String(fields[0]) !== "t" || String(fields[2]) !== "m") return undefined;
  const body = fields[3];
  const envelope = decodeEnvelope(typeof body === "string" ? Buffer.from(body) : (body as Buffer));
  if (envelope === undefined) return undefined;
  return {
    topic: String(fields[1]),
    payload: envelope.payload,
    metadata: envelope.metadata,
    messageId: String(id),
    publishedAtMs: envelope.publishedAtMs,
    deliveryAttempt,
  };
}
