// How a message received on core NATS becomes a PubSubMessage: topic from the subject, id, publish time
// and metadata from the Prism headers (a fresh id and the receive time when a non-Prism publisher sent it).
import { randomUUID } from "node:crypto";
import type { Msg } from "@nats-io/transport-node";
import type { PubSubMessage } from "@prism/pattern-sdk";
import { decodeHeaders } from "./message-headers.js";
import { subjectTopic } from "./nats-naming.js";

/** The PubSubMessage of `msg`, received on a subject under `prefix` (first delivery: core NATS never redelivers). */
export function coreMessage(prefix: string, msg: Msg): PubSubMessage {
  const h = decodeHeaders(msg.headers);
  return {
    topic: subjectTopic(prefix, msg.subject),
    payload: msg.data,
    metadata: h.metadata,
    messageId: h.messageId ?? randomUUID(),
    publishedAtMs: h.publishedAtMs ?? Date.now(),
    deliveryAttempt: 1,
  };
}
