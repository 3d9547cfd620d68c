// Acks relayed between pattern instances, so that a JetStream message can be acked through any proxy,
// not only the one holding its Subscribe stream. The ack only works on the instance that holds the
// delivery (a JsMsg, whose reply subject the server expects the ack on), so an instance that gets an
// Ack for a subscription it does not hold sends the ids as a core NATS request to the fixed subject
// "_PRISM_ACK.<stream>"; every instance of the namespace listens there, acks the ids pending in its own
// subscriptions (only in the given one when the subscription id is known) and replies how many it acked,
// and whether it holds that subscription: the relaying instance stops waiting at that reply, so an ack
// with a known subscription costs one round trip, not the stall after the last reply.
// Nothing a client sends is ever used as a subject: the ids travel as data, and are checked here.

/** Subject prefix of relayed acks; never captured by a stream (those hold "<prefix>.>"). */
export const ACK_RELAY_PREFIX = "_PRISM_ACK";

/** Longest message id relayed; Prism's ids are UUIDs, a foreign message's "<stream>:<sequence>". */
export const MAX_RELAYED_ID_LENGTH = 256;

/** Most ids in one relayed request; more are sent in several. */
export const MAX_RELAYED_IDS = 1000;

/** How long the relay waits for more replies after the last one (every listening instance replies), unless the holder has answered. */
export const RELAY_STALL_MS = 150;

/** A relayed ack. */
export interface AckRelayRequest {
  /** Message ids to ack (valid ones only). */
  ids: string[];
  /** The subscription they were delivered on, when known: only its pending messages are acked. */
  subscriptionId?: string | undefined;
}

/** The subject relayed acks of `stream` travel on. */
export function ackRelaySubject(stream: string): string {
  return `${ACK_RELAY_PREFIX}.${stream}`;
}

/** Whether `id` can be a message id of this pattern: 1 to 256 printable ASCII characters, no spaces. */
export function isRelayableId(id: unknown): id is string {
  return typeof id === "string" && id.length > 0 && id.length <= MAX_RELAYED_ID_LENGTH && /^[\x21-\x7e]+$/.test(id);
}

/** The distinct valid ids among `ids`, in order; invalid ones are dropped (they are not acked). */
export function relayableIds(ids: readonly unknown[]): string[] {
  return [...new Set(ids.filter(isRelayableId))];
}

/** Encodes a relayed ack. */
export function encodeAckRelay(request: AckRelayRequest): string {
  return JSON.stringify(request.subscriptionId === undefined ? { ids: request.ids } : request);
}

/** Decodes a relayed ack; undefined when it is not one (wrong shape, too many ids, an invalid id). */
export function decodeAckRelay(text: string): AckRelayRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { ids, subscriptionId } = value as { ids?: unknown; subscriptionId?: unknown };
  if (!Array.isArray(ids) || ids.length > MAX_RELAYED_IDS || !ids.every(isRelayableId)) return undefined;
  if (subscriptionId !== undefined && !isRelayableId(subscriptionId)) return undefined;
  return { ids, subscriptionId };
}

/** The reply of an instance to a relayed ack. */
export interface AckRelayReply {
  /** How many of the ids it acked. */
  acked: number;
  /** Whether it holds the subscription the request named (false when none was named). */
  held: boolean;
}

/** Encodes the reply of an instance. */
export function encodeAckRelayReply(reply: AckRelayReply): string {
  return JSON.stringify(reply);
}

/** A reply with its count at most `limit`; 0 and not held for anything malformed. */
export function decodeAckRelayReply(text: string, limit: number): AckRelayReply {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return { acked: 0, held: false };
    const { acked, held } = value as { acked?: unknown; held?: unknown };
    const count = typeof acked === "number" && Number.isInteger(acked) && acked > 0 ? Math.min(acked, limit) : 0;
    return { acked: count, held: held === true };
  } catch {
    return { acked: 0, held: false };
  }
}
