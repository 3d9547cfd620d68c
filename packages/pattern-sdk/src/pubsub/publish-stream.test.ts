// publishStream: messages reach the backend in stream order without waiting for each other, every
// message gets exactly one result under its sequence number (an error for a refused one, the stream
// goes on), and no more than maxPublishesInFlightPerStream are handed over unanswered.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type PublishRequest, PublishStreamRequestSchema, type PublishStreamRequest } from "@prism/proto/pubsub/v1";
import { expect, it } from "vitest";
import { maxPublishesInFlightPerStream, type PublishOne, publishStream } from "./publish-stream.js";

const context = { signal: new AbortController().signal };

async function* batches(...topicLists: string[][]): AsyncIterable<PublishStreamRequest> {
  for (const topics of topicLists) {
    yield create(PublishStreamRequestSchema, { messages: topics.map((topic) => ({ topic })) });
  }
}

async function collect(requests: AsyncIterable<PublishStreamRequest>, publishOne: PublishOne) {
  const results = new Map<bigint, string>();
  for await (const response of publishStream(requests, context, publishOne)) {
    for (const result of response.results ?? []) {
      const sequence = result.sequence as bigint;
      expect(results.has(sequence)).toBe(false);
      const outcome = result.outcome;
      results.set(
        sequence,
        outcome?.case === "messageId" ? `id:${outcome.value}` : `error:${outcome?.value?.code}:${outcome?.value?.message}`,
      );
    }
  }
  return results;
}

it("hands messages over in stream order and answers each under its sequence, refusals included", async () => {
  const order: string[] = [];
  const publishOne: PublishOne = async (request: PublishRequest) => {
    order.push(request.topic);
    if (request.topic === "bad") throw new ConnectError("topic refused", Code.InvalidArgument);
    // Later messages finish first: results are matched by sequence, not by arrival.
    await new Promise((resolve) => setTimeout(resolve, request.topic === "a" ? 20 : 1));
    return { messageId: `m-${request.topic}` };
  };
  const results = await collect(batches(["a", "b"], ["bad", "c"]), publishOne);
  expect(order).toEqual(["a", "b", "bad", "c"]);
  expect([...results.entries()].sort((x, y) => Number(x[0] - y[0]))).toEqual([
    [0n, "id:m-a"],
    [1n, "id:m-b"],
    [2n, `error:${Code.InvalidArgument}:topic refused`],
    [3n, "id:m-c"],
  ]);
});

it("stops reading at the in-flight bound until the backend answers", async () => {
  const pending: (() => void)[] = [];
  let handedOver = 0;
  const publishOne: PublishOne = (request) => {
    handedOver++;
    return new Promise((resolve) => pending.push(() => resolve({ messageId: request.topic })));
  };
  const total = maxPublishesInFlightPerStream + 10;
  const topics = Array.from({ length: total }, (_, index) => `t${index}`);
  const done = collect(batches(topics), publishOne);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(handedOver).toBe(maxPublishesInFlightPerStream);
  const answer = () => {
    for (const resolve of pending.splice(0)) resolve();
  };
  answer();
  await new Promise((resolve) => setTimeout(resolve, 20));
  answer();
  const results = await done;
  expect(handedOver).toBe(total);
  expect(results.size).toBe(total);
});
