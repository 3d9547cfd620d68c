// Shared response frames are explicit: a handler that yields the same object twice, changed in
// between, is encoded afresh each time unless it declared the object shared with shareResponse.
import { PubSubService, SubscribeRequestSchema, SubscribeResponseSchema } from "@prism/proto/pubsub/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callServerStreaming } from "./call-server-streaming.js";
import { addService } from "./grpc-method-table.js";
import { type ServedTable, serveOnSocket } from "../test/serve-on-socket.js";
import { shareResponse } from "./serve-grpc-call.js";
import type { ServiceHandlers } from "./service-handlers.js";

const unexpected = async (): Promise<never> => {
  throw new Error("not used in this test");
};

/** Yields one response object twice, changing its topic in between; shares it when the topic asks. */
const handlers: ServiceHandlers<typeof PubSubService> = {
  async *subscribe(request) {
    const response = { event: { case: "message" as const, value: { topic: "first", messageId: "1" } } };
    if (request.topic === "shared") shareResponse(response);
    yield response;
    response.event.value.topic = "second";
    yield response;
  },
  publish: unexpected,
  // biome-ignore lint/correctness/useYield: never called in this test
  async *publishStream() {
    throw new Error("not used in this test");
  },
  ack: unexpected,
};

let served: ServedTable;

beforeEach(async () => {
  served = await serveOnSocket(addService(PubSubService, handlers));
});

afterEach(() => served.close());

/** The topics of every message the subscribe stream for `topic` delivered. */
async function topicsSent(topic: string): Promise<string[]> {
  const topics: string[] = [];
  const path = "/prism.pubsub.v1.PubSubService/Subscribe";
  for await (const response of callServerStreaming(served.session, path, SubscribeRequestSchema, SubscribeResponseSchema, { topic })) {
    if (response.event.case === "message") topics.push(response.event.value.topic);
  }
  return topics;
}

describe("shareResponse", () => {
  it("re-encodes a response object that was not declared shared, so a changed object is sent as it is now", async () => {
    expect(await topicsSent("plain")).toEqual(["first", "second"]);
  });

  it("encodes a declared-shared response once and reuses that frame", async () => {
    expect(await topicsSent("shared")).toEqual(["first", "first"]);
  });
});
