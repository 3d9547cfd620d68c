// Test kit: reads the messages a local subscription has already queued, without waiting for more.
import type { LocalSubscription } from "../pubsub/local-subscription.js";
import type { PubSubMessage } from "../pubsub/pubsub-backend.js";

/** Every message already queued on `subscription`, in order; returns at once when none is. */
export async function drainQueued(subscription: LocalSubscription): Promise<PubSubMessage[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const messages: PubSubMessage[] = [];
  for (let left = subscription.pending; left > 0; left--) {
    const result = await iterator.next();
    if (result.done) break;
    messages.push(result.value);
  }
  return messages;
}
