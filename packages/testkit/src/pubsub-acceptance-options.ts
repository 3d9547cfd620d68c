// The types of the PubSub acceptance suite: the client shape it drives (a Connect client for
// PubSubService, or a direct adapter with the same shape), the subject under test and the options.
import type { Client } from "@connectrpc/connect";
import type { PubSubService } from "@prism/proto/pubsub/v1";

/**
 * Publish, Subscribe (server stream) and Ack in Connect client shape: `ConnectError` on failure, the call's `signal`
 * ends a subscription.
 */
export type PubSubCaller = Pick<Client<typeof PubSubService>, "publish" | "subscribe" | "ack">;

/** One backend under test: a caller for it, how to release it, and optionally how many subscriptions it holds open. */
export interface PubSubSubject {
  /** Drives the backend (directly, through a pattern process, or through the proxy). */
  client: PubSubCaller;
  /** Releases whatever `setup` started; called once after the last case. */
  teardown?: () => Promise<void>;
  /** Subscriptions the backend holds open; when given, the suite checks that closed subscriptions are released. */
  subscriptionCount?: () => Promise<number>;
}

/** What the backend claims; a block of cases is registered only when claimed. */
export interface PubSubCapabilities {
  /** The guarantee every subscription gives; at-least-once adds the ack and redelivery cases. */
  guarantee: "at-most-once" | "at-least-once";
  /** Consumer groups: members of one group share the messages, each message to one member. */
  groups: boolean;
  /** Messages published while nobody subscribes are kept for a durable group and delivered when a member attaches. */
  durable: boolean;
}

/** Options of `pubSubAcceptanceSuite`. */
export interface PubSubAcceptanceOptions {
  /** What the backend claims to support. */
  capabilities: PubSubCapabilities;
  /** Creates the subject once, before the first case. */
  setup: () => Promise<PubSubSubject>;
  /**
   * How long a subscription may take to be confirmed (its `subscribed` event), in milliseconds; default 15000.
   * Raise it for backends whose subscribe is a consensus round, e.g. a replicated JetStream consumer on a busy machine.
   */
  subscribeTimeoutMs?: number;
}
