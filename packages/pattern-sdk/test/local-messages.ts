// Test helpers for the local fan-out: a minimal message to deliver, and reading what a subscription queued.
import type { LocalSubscription } from "../src/pubsub/local-subscription.js";
import type { PubSubMessage } from "../src/pubsub/pubsub-backend.js";

/** A first-delivery message on `topic` with id `messageId` and an empty payload. */
export function testMessage(topic: string, messageId = topic): PubSubMessage {
  return { topic, payload: new Uint8Array(), metadata: {}, messageId, publishedAtMs: 0, deliveryAttempt: 1 };
}

/** Reads every message already queued on `subscription` and returns their ids, in order. */
export async function queuedIds(subscription: LocalSubscription): Promise<string[]> {
  return subscription.takeQueued().map((message) => message.messageId);
}
