// Wire format of one multicast delivery between instances (a Redis PUBLISH or a NATS request), like
// PubSub's envelope (redis-pubsub-envelope.ts): a one-line JSON header, a newline byte (0x0A), then the
// payload bytes unencoded:
//   {"v":1,"id":"<message id>","t":<sent at, Unix ms>,"ct":"<content type>","md":{"<key>":"<value>",...}}\n<payload>
// It is encoded once per multicast and sent unchanged to every target: the channel or subject names
// the identity. JSON.stringify never writes a raw newline, so the first 0x0A ends the header.
import type { RegistryDelivery } from "@prism/pattern-sdk";

/** Version written in (and required of) every header. */
const VERSION = 1;

/** Byte that ends the header. */
const NEWLINE = 0x0a;

/** Encodes `delivery` for the network. */
export function encodeDelivery(delivery: RegistryDelivery): Buffer {
  const header = JSON.stringify({
    v: VERSION,
    id: delivery.messageId,
    t: delivery.sentAtMs,
    ct: delivery.contentType,
    md: delivery.metadata,
  });
  const { payload } = delivery;
  return Buffer.concat([Buffer.from(`${header}\n`), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)]);
}

/** Decodes a received delivery; undefined when `data` is not one of this version (a foreign publisher). */
export function decodeDelivery(data: Uint8Array): RegistryDelivery | undefined {
  const end = data.indexOf(NEWLINE);
  if (end < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(data.buffer, data.byteOffset, end).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof header !== "object" || header === null) return undefined;
  const { v, id, t, ct, md } = header as Record<string, unknown>;
  if (v !== VERSION || typeof id !== "string" || typeof t !== "number" || !Number.isFinite(t) || typeof ct !== "string") return undefined;
  if (typeof md !== "object" || md === null || Array.isArray(md) || !Object.values(md).every((each) => typeof each === "string")) {
    return undefined;
  }
  // A copy: the received buffer may share memory with the client's read buffers.
  return {
    messageId: id,
    sentAtMs: t,
    contentType: ct,
    metadata: md as Record<string, string>,
    payload: new Uint8Array(data.subarray(end + 1)),
  };
}
