// The contract a PubSub pattern implements: publish to a topic, open subscriptions that yield
// messages, and (for at-least-once) acknowledge them. Validation happens before these are called.
import type { CallContext, CallerIdentity } from "@prism/wire";

/** What a subscription promises. */
export type DeliveryGuarantee = "at-most-once" | "at-least-once";

/** One delivered message. */
export interface PubSubMessage {
  /** Topic it was published to. */
  topic: string;
  /** Payload as published. */
  payload: Uint8Array;
  /** Metadata as published. */
  metadata: Record<string, string>;
  /** Id returned by publish; the id to ack for at-least-once. */
  messageId: string;
  /** Publish time, Unix milliseconds. */
  publishedAtMs: number;
  /** 1 on first delivery, more on redelivery. */
  deliveryAttempt: number;
}

/** Arguments of a new subscription, already validated. */
export interface SubscribeRequestOptions {
  /** Topic or topic filter (`*` = one level, trailing `>` = the rest). */
  topic: string;
  /** Consumer group; "" = receive every message. */
  group: string;
  /** Most unacked messages outstanding (at-least-once), > 0. */
  maxInFlight: number;
  /** Aborted when the subscriber goes away; the subscription must end. */
  signal: AbortSignal;
  /** The subscriber, when the proxy authenticates callers. */
  identity?: CallerIdentity | undefined;
}

/** An open subscription: an async iterable of messages. Ending the iteration closes it. */
export interface PubSubSubscription extends AsyncIterable<PubSubMessage> {
  /** Unique id, used by Ack. */
  readonly id: string;
  /** Acknowledges messages; returns how many were pending. At-most-once subscriptions return 0. */
  ack(messageIds: string[]): Promise<number>;
  /** Closes the subscription and releases its backend resources. Safe to call twice. */
  close(): Promise<void>;
}

/** A PubSub backend. */
export interface PubSubBackend {
  /** The guarantee every subscription of this backend gives. */
  readonly guarantee: DeliveryGuarantee;
  /** Publishes one message; resolves with its id once the backend accepted it. */
  publish(topic: string, payload: Uint8Array, metadata: Record<string, string>, context?: CallContext): Promise<string>;
  /** Opens a subscription. */
  subscribe(options: SubscribeRequestOptions): Promise<PubSubSubscription>;
  /** Acks by message id alone, for a subscription this instance does not hold (optional). */
  ackByMessageId?(messageIds: string[], subscriptionId?: string): Promise<number>;
  /** Open subscriptions (for health and leak tests). */
  subscriptionCount(): number;
}
