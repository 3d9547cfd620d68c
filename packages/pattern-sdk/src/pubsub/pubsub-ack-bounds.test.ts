// The Ack bounds every PubSub pattern enforces before its backend sees the request: a subscription id or
// message id of more than 256 characters, or more than 10,000 ids, is INVALID_ARGUMENT; within the
// bounds the backend acks (here one that holds no subscription, so ackByMessageId is asked).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { AckRequestSchema } from "@prism/proto/pubsub/v1";
import { expect, it } from "vitest";
import type { PubSubBackend } from "./pubsub-backend.js";
import { createPubSubHandlers, MAX_ACK_ID_LENGTH, MAX_ACK_IDS } from "./pubsub-handlers.js";

/** An at-least-once backend that records what ackByMessageId was asked. */
function recordingBackend(asked: string[][]): PubSubBackend {
  return {
    guarantee: "at-least-once",
    publish: async () => "id",
    subscribe: async () => {
      throw new Error("not used");
    },
    ackByMessageId: async (ids) => {
      asked.push(ids);
      return ids.length;
    },
    subscriptionCount: () => 0,
  };
}

it("refuses an Ack past its bounds with INVALID_ARGUMENT, and passes one within them on", async () => {
  const asked: string[][] = [];
  const handlers = createPubSubHandlers(recordingBackend(asked), { maxPayloadBytes: 1024, maxMetadataEntries: 8, defaultMaxInFlight: 8 });
  const ack = (subscriptionId: string, messageIds: string[]) =>
    handlers.ack(create(AckRequestSchema, { subscriptionId, messageIds }), { signal: new AbortController().signal });
  const long = "x".repeat(MAX_ACK_ID_LENGTH + 1);
  for (const [subscriptionId, messageIds, why] of [
    [long, ["m"], /subscription_id is longer than 256/],
    ["s", [long], /a message_id is longer than 256/],
    ["s", Array.from({ length: MAX_ACK_IDS + 1 }, (_, index) => `m${index}`), /10001 message_ids, more than 10000/],
  ] as const) {
    const error = await ack(subscriptionId, [...messageIds]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).message).toMatch(why);
  }
  expect(asked).toEqual([]);
  const within = Array.from({ length: MAX_ACK_IDS }, (_, index) => `m${index}`);
  expect(await ack("x".repeat(MAX_ACK_ID_LENGTH), within)).toMatchObject({ acked: MAX_ACK_IDS });
  expect(asked).toHaveLength(1);
});
