// PubSubService handlers over any PubSubBackend: topic and size validation (for Publish and each
// message of PublishStream), the subscription
// stream (Subscribed first, then messages), Ack routing, and cleanup when the subscriber leaves.
import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { DeliveryGuarantee as ProtoGuarantee, type PubSubService, type SubscribeResponseSchema } from "@prism/proto/pubsub/v1";
import { type ServiceHandlers, shareResponse } from "@prism/wire";
import type { PubSubBackend, PubSubMessage, PubSubSubscription } from "./pubsub-backend.js";
import type { PubSubLimits } from "./pubsub-limits.js";
import { TrafficCounters } from "../lifecycle/traffic-counters.js";
import { checkTopic, checkTopicFilter } from "./topic-name.js";
import { type PublishOne, publishStream } from "./publish-stream.js";

const groupPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Longest subscription id or message id an Ack may name (ids this code hands out are far shorter). */
export const MAX_ACK_ID_LENGTH = 256;

/** Most message ids one Ack may carry. */
export const MAX_ACK_IDS = 10_000;

/** Throws INVALID_ARGUMENT for an Ack past the bounds above, before any backend sees it. */
function checkAckRequest(subscriptionId: string, messageIds: readonly string[]): void {
  const invalid = (what: string) => new ConnectError(`invalid ack: ${what}`, Code.InvalidArgument);
  if (subscriptionId.length > MAX_ACK_ID_LENGTH) throw invalid(`subscription_id is longer than ${MAX_ACK_ID_LENGTH} characters`);
  if (messageIds.length > MAX_ACK_IDS) throw invalid(`${messageIds.length} message_ids, more than ${MAX_ACK_IDS}: ack in several calls`);
  if (messageIds.some((id) => id.length > MAX_ACK_ID_LENGTH)) throw invalid(`a message_id is longer than ${MAX_ACK_ID_LENGTH} characters`);
}

/** Builds validated PubSubService handlers for `backend`; deliveries and acks are counted in `counters`. */
export function createPubSubHandlers(
  backend: PubSubBackend,
  limits: PubSubLimits,
  counters: TrafficCounters = new TrafficCounters(),
): ServiceHandlers<typeof PubSubService> {
  const open = new Map<string, PubSubSubscription>();
  // One response object per message, shared by every subscriber it is delivered to and declared
  // shared, so the transport encodes it once however many subscribers there are.
  const responses = new WeakMap<PubSubMessage, MessageInitShape<typeof SubscribeResponseSchema>>();
  const responseOf = (message: PubSubMessage) => {
    let response = responses.get(message);
    if (response === undefined) {
      const init: MessageInitShape<typeof SubscribeResponseSchema> = {
        event: { case: "message", value: { ...message, publishedAtMs: BigInt(message.publishedAtMs) } },
      };
      response = shareResponse(init);
      responses.set(message, response);
    }
    return response;
  };
  const guarantee = backend.guarantee === "at-least-once" ? ProtoGuarantee.AT_LEAST_ONCE : ProtoGuarantee.AT_MOST_ONCE;
  const publishOne: PublishOne = async (request, context) => {
    checkTopic(request.topic);
    if (request.payload.byteLength > limits.maxPayloadBytes) {
      throw new ConnectError(
        `payload is ${request.payload.byteLength} bytes; the limit is ${limits.maxPayloadBytes} bytes (limits.maxPayloadBytes)`,
        Code.InvalidArgument,
      );
    }
    const entries = Object.keys(request.metadata).length;
    if (entries > limits.maxMetadataEntries) {
      throw new ConnectError(
        `metadata has ${entries} entries; the limit is ${limits.maxMetadataEntries} (limits.maxMetadataEntries)`,
        Code.InvalidArgument,
      );
    }
    return { messageId: await backend.publish(request.topic, request.payload, request.metadata, context) };
  };
  return {
    publish: publishOne,
    publishStream: (requests, context) => publishStream(requests, context, publishOne),
    async *subscribe(request, context) {
      checkTopicFilter(request.topic);
      if (request.group !== "" && !groupPattern.test(request.group)) {
        throw new ConnectError(
          `invalid group ${JSON.stringify(request.group.slice(0, 80))}: use 1-64 letters, digits, '_' or '-'`,
          Code.InvalidArgument,
        );
      }
      const subscription = await backend.subscribe({
        topic: request.topic,
        group: request.group,
        maxInFlight: request.maxInFlight > 0 ? request.maxInFlight : limits.defaultMaxInFlight,
        signal: context.signal,
        identity: context.identity,
      });
      open.set(subscription.id, subscription);
      const onAbort = () => void subscription.close();
      context.signal.addEventListener("abort", onAbort, { once: true });
      try {
        yield { event: { case: "subscribed", value: { subscriptionId: subscription.id, guarantee } } };
        for await (const message of subscription) {
          counters.delivered++;
          if (message.deliveryAttempt > 1) counters.redelivered++;
          yield responseOf(message);
        }
        if (!context.signal.aborted) {
          // The backend ended it (pattern stopping, backend subscription lost): tell the subscriber
          // to subscribe again instead of letting the stream look like a normal end.
          throw new ConnectError(
            `subscription to ${JSON.stringify(request.topic)} ended: the pattern is stopping or lost its backend; subscribe again`,
            Code.Unavailable,
          );
        }
      } finally {
        context.signal.removeEventListener("abort", onAbort);
        open.delete(subscription.id);
        await subscription.close();
      }
    },
    async ack(request) {
      checkAckRequest(request.subscriptionId, request.messageIds);
      const subscription = open.get(request.subscriptionId);
      let acked: number;
      if (subscription) acked = await subscription.ack(request.messageIds);
      // At-most-once: there is nothing to acknowledge, whichever proxy holds the subscription.
      else if (backend.guarantee === "at-most-once") acked = 0;
      // The subscription is held elsewhere (another proxy): its id lets the backend ack only there.
      else if (backend.ackByMessageId) acked = await backend.ackByMessageId(request.messageIds, request.subscriptionId);
      else {
        throw new ConnectError(
          `subscription ${JSON.stringify(request.subscriptionId)} is not open here (it ended, or belongs to another proxy)`,
          Code.NotFound,
        );
      }
      counters.acked += acked;
      return { acked };
    },
  };
}
