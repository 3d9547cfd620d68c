// PubSubClient: publish messages and iterate over subscriptions (with acks for at-least-once),
// for one namespace, over a Connect transport (works from Node and browsers: a server stream).
// Over gRPC, publishes ride one PublishStream (streamed-publisher.ts).
import { type Client, type ContextValues, type Transport, createClient, createContextValues } from "@connectrpc/connect";
import { DeliveryGuarantee, PubSubService, type SubscribeResponse } from "@prism/proto/pubsub/v1";
import { type CallDefaults, type CallOptions, toConnectCallOptions } from "./call-options.js";
import { InternalError, UnavailableError } from "./errors/error-classes.js";
import { toPrismError } from "./errors/to-prism-error.js";
import { estimatedBytes, maxStreamedMessageBytes, type PublishInit, StreamedPublisher } from "./streamed-publisher.js";
import { confirmFirstAttempt, type ReattachEvent, reattach } from "./stream-reattach.js";
import { endpointPinKey } from "./transport/endpoint-pool.js";
import { type PrismValue, toBytes, toText } from "./value.js";

/** Options of `publish`. */
export type PublishOptions = CallOptions & {
  /** String metadata delivered with the message. */
  metadata?: Record<string, string>;
};

/** Options of `subscribe`. */
export type SubscribeOptions = {
  /** Consumer group: members of one group share the messages (each to one member). */
  group?: string;
  /** Ends the subscription when aborted (leaving the `for await` loop does too). */
  signal?: AbortSignal;
  /** Most unacked messages outstanding, for at-least-once namespaces (0 = the namespace default). */
  maxInFlight?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * With several proxy URLs, a subscription whose stream fails UNAVAILABLE re-attaches on another proxy (with
   * backoff); this is called each time it did. At-least-once: unacked messages are redelivered by the backend.
   * At-most-once: messages published while it was detached are lost, this call is how you learn about the gap.
   */
  onReattach?: (event: ReattachEvent & { readonly guarantee: "at-most-once" | "at-least-once" }) => void;
};

/** A delivered message. */
export interface ReceivedMessage {
  /** Topic it was published to. */
  readonly topic: string;
  /** Payload bytes. */
  readonly payload: Uint8Array;
  /** Metadata as published. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Id returned by publish. */
  readonly messageId: string;
  /** When it was published. */
  readonly publishedAt: Date;
  /** 1 on first delivery, more on redelivery (at-least-once). */
  readonly deliveryAttempt: number;
  /** The payload decoded as UTF-8. */
  text(): string;
  /** Acknowledges the message (at-least-once; a no-op at-most-once). Unacked messages are redelivered. */
  ack(): Promise<void>;
}

/** A subscription: iterate it with `for await`; leaving the loop unsubscribes. */
export interface Subscription extends AsyncIterable<ReceivedMessage> {
  /** Resolves once the proxy confirmed the subscription (messages published after that are delivered). */
  readonly ready: Promise<{ subscriptionId: string; guarantee: "at-most-once" | "at-least-once" }>;
  /** Ends the subscription. */
  close(): void;
}

/** The PubSub API of one namespace. */
export interface PubSubClient {
  /**
   * Publishes one message; resolves with its id once the backend accepted it. Over gRPC, concurrent publishes
   * share one PublishStream (sent in call order, so order per topic is kept; each settles with its own result);
   * a publish with its own `headers`, or over 1 MiB, is sent as its own Publish call.
   */
  publish(topic: string, payload: PrismValue, options?: PublishOptions): Promise<string>;
  /** Subscribes to a topic (or a filter: `*` = one level, trailing `>` = the rest). */
  subscribe(topic: string, options?: SubscribeOptions): Subscription;
}

/** How the PubSub client sends. */
export type PubSubClientOptions = {
  /** Carry publishes on a PublishStream (the transport must stream requests: gRPC over HTTP/2). */
  publishStream: boolean;
  /** Re-attach subscriptions after UNAVAILABLE (the transport has several endpoints). Default false. */
  reattach?: boolean;
};

/** Creates the PubSub client of one namespace. */
export function createPubSubClient(transport: Transport, defaults: CallDefaults, options: PubSubClientOptions): PubSubClient {
  const client = createClient(PubSubService, transport);
  const reattachStreams = options.reattach ?? false;
  const publishUnary = async (request: PublishInit, callOptions?: PublishOptions): Promise<string> => {
    try {
      return (await client.publish(request, toConnectCallOptions(defaults, callOptions))).messageId;
    } catch (error) {
      throw toPrismError(error, { namespace: defaults.namespace });
    }
  };
  const streamed = options.publishStream ? new StreamedPublisher(client, defaults, publishUnary) : undefined;
  return {
    publish(topic, payload, options) {
      const request: PublishInit = { topic, payload: toBytes(payload), metadata: options?.metadata ?? {} };
      // A message with its own headers, or a very large one (refused alone if too large), is its own call.
      if (streamed === undefined || options?.headers !== undefined || estimatedBytes(request) > maxStreamedMessageBytes) {
        return publishUnary(request, options);
      }
      return streamed.publish(request, options?.timeoutMs, options?.signal);
    },
    subscribe(topic, options = {}) {
      return openSubscription(client, defaults, topic, options, reattachStreams);
    },
  };
}

/** One Subscribe stream: its events, the confirmation, and the endpoint pin its acks follow. */
type Attachment = {
  readonly events: AsyncIterator<SubscribeResponse>;
  readonly confirmed: Promise<SubscriptionInfo>;
  readonly contextValues: ContextValues;
};

type SubscriptionInfo = { subscriptionId: string; guarantee: "at-most-once" | "at-least-once" };

function openSubscription(
  client: Client<typeof PubSubService>,
  defaults: CallDefaults,
  topic: string,
  options: SubscribeOptions,
  reattachStreams: boolean,
): Subscription {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // A subscription is long-lived: no default deadline.
  const callOptions = { ...toConnectCallOptions({ ...defaults, timeoutMs: 0 }, { headers: options.headers }), signal: controller.signal };
  const request = { topic, group: options.group ?? "", maxInFlight: options.maxInFlight ?? 0 };
  const wrap = (error: unknown) => toPrismError(error, { namespace: defaults.namespace });
  /** Opens a Subscribe stream; with several endpoints, its acks are pinned to the endpoint that serves it. */
  const attach = (): Attachment => {
    const contextValues = createContextValues().set(endpointPinKey, {});
    const events = client.subscribe(request, { ...callOptions, contextValues })[Symbol.asyncIterator]();
    const confirmed = events.next().then(
      (first) => {
        const event = first.done ? undefined : (first.value as SubscribeResponse).event;
        if (event?.case !== "subscribed") throw new InternalError("the proxy did not confirm the subscription");
        return {
          subscriptionId: event.value.subscriptionId,
          guarantee: event.value.guarantee === DeliveryGuarantee.AT_LEAST_ONCE ? ("at-least-once" as const) : ("at-most-once" as const),
        };
      },
      (error: unknown) => {
        throw wrap(error);
      },
    );
    return { events, confirmed, contextValues };
  };

  /** Opens a stream and waits for its confirmation. */
  const attachConfirmed = async () => {
    const attachment = attach();
    return { attachment, info: await attachment.confirmed };
  };
  let first = attach();
  // With several endpoints, a first attempt that fails UNAVAILABLE is made again on another one (with backoff).
  const ready = confirmFirstAttempt(first.confirmed, reattachStreams, controller.signal, attachConfirmed, (again) => {
    first = again.attachment;
    return again.info;
  });

  const close = () => {
    options.signal?.removeEventListener("abort", onAbort);
    controller.abort();
  };

  /** Acks `messageId` on the endpoint of the stream that delivered it. */
  const ackOn = (attachment: Attachment, info: SubscriptionInfo) =>
    info.guarantee === "at-least-once"
      ? async (messageId: string) => {
          try {
            await client.ack(
              { subscriptionId: info.subscriptionId, messageIds: [messageId] },
              { ...toConnectCallOptions(defaults, undefined), contextValues: attachment.contextValues },
            );
          } catch (error) {
            throw wrap(error);
          }
        }
      : async () => {};

  async function* iterate(): AsyncGenerator<ReceivedMessage> {
    try {
      let info = await ready;
      let attachment = first;
      let ack = ackOn(attachment, info);
      for (;;) {
        let next: IteratorResult<SubscribeResponse>;
        try {
          next = await attachment.events.next();
        } catch (error) {
          if (controller.signal.aborted) return;
          const failure = wrap(error);
          if (!reattachStreams || !(failure instanceof UnavailableError)) throw failure;
          const again = await reattach(failure, controller.signal, attachConfirmed);
          if (again === undefined) return;
          ({ attachment, info } = again.stream);
          ack = ackOn(attachment, info);
          options.onReattach?.({ error: failure, attempts: again.attempts, guarantee: info.guarantee });
          continue;
        }
        if (next.done) return;
        const event = next.value.event;
        if (event.case !== "message") continue;
        const message = event.value;
        const acknowledge = ack;
        yield {
          topic: message.topic,
          payload: message.payload,
          metadata: message.metadata,
          messageId: message.messageId,
          publishedAt: new Date(Number(message.publishedAtMs)),
          deliveryAttempt: message.deliveryAttempt,
          text: () => toText(message.payload),
          ack: () => acknowledge(message.messageId),
        };
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      throw error;
    } finally {
      close();
    }
  }

  const iterator = iterate();
  return {
    ready,
    close,
    [Symbol.asyncIterator]: () => iterator,
  };
}
