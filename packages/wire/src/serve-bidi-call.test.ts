// Bidi-streaming calls on the lean gRPC server: request messages reach the handler as they arrive
// (a response can come back before the caller sends the next message), and a request message over
// the limit, a malformed one, or a caller that goes away ends the call with its status.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { PublishStreamRequestSchema, PublishStreamResponseSchema, type PublishStreamResponse, PubSubService } from "@prism/proto/pubsub/v1";
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from "node:http2";
import { connect as netConnect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { encodeFrame, FrameReader } from "./grpc-frame.js";
import { addService } from "./grpc-method-table.js";
import { createGrpcServer, type GrpcServer } from "./grpc-server.js";
import type { ServiceHandlers } from "./service-handlers.js";

const path = "/prism.pubsub.v1.PubSubService/PublishStream";
const unexpected = async (): Promise<never> => {
  throw new Error("not used in this test");
};

let dir: string;
let server: GrpcServer;
let session: ClientHttp2Session;
/** Resolves when the handler's request iteration ended, with the call's signal. */
let handlerEnded: Promise<AbortSignal>;

/** Echoes each batch's topics back as one result per message, numbered from 0. */
const handlers: ServiceHandlers<typeof PubSubService> = {
  publish: unexpected,
  // biome-ignore lint/correctness/useYield: never called in this test
  async *subscribe() {
    throw new Error("not used in this test");
  },
  ack: unexpected,
  publishStream(requests, context) {
    let ended: (signal: AbortSignal) => void = () => {};
    handlerEnded = new Promise((resolve) => {
      ended = resolve;
    });
    return (async function* () {
      let sequence = 0n;
      try {
        for await (const batch of requests) {
          yield {
            results: batch.messages.map((message) => ({
              sequence: sequence++,
              outcome: { case: "messageId" as const, value: message.topic },
            })),
          };
        }
      } finally {
        ended(context.signal);
      }
    })();
  },
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "prism-bidi-test-"));
  const socket = join(dir, "grpc.sock");
  const table = addService(PubSubService, handlers);
  server = createGrpcServer((p) => table.get(p), { maxRequestBytes: 1024 });
  await new Promise<void>((resolve) => server.server.listen(socket, resolve));
  session = connect("http://localhost", { createConnection: () => netConnect(socket) });
  session.on("error", () => {});
});

afterEach(async () => {
  session.close();
  await server.close(100);
  rmSync(dir, { recursive: true, force: true });
});

/** An open PublishStream with its decoded responses and final status. */
function open(): { stream: ClientHttp2Stream; next: () => Promise<PublishStreamResponse>; status: Promise<string | undefined> } {
  const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
  const reader = new FrameReader();
  const received: PublishStreamResponse[] = [];
  const waiting: ((response: PublishStreamResponse) => void)[] = [];
  stream.on("data", (chunk: Buffer) => {
    for (const bytes of reader.push(chunk)) {
      const response = fromBinary(PublishStreamResponseSchema, bytes);
      const waiter = waiting.shift();
      if (waiter) waiter(response);
      else received.push(response);
    }
  });
  const status = new Promise<string | undefined>((resolve) => {
    stream.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) resolve(String(headers["grpc-status"]));
    });
    stream.on("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
    stream.on("close", () => resolve(undefined));
    stream.on("error", () => {});
  });
  const next = () => {
    const ready = received.shift();
    return ready ? Promise.resolve(ready) : new Promise<PublishStreamResponse>((resolve) => waiting.push(resolve));
  };
  return { stream, next, status };
}

const batch = (...topics: string[]) =>
  encodeFrame(toBinary(PublishStreamRequestSchema, create(PublishStreamRequestSchema, { messages: topics.map((topic) => ({ topic })) })));

it("answers each request message before the caller sends the next, and ends OK when the caller does", async () => {
  const call = open();
  call.stream.write(batch("a", "b"));
  const first = await call.next();
  expect(first.results.map((r) => [r.sequence, r.outcome.value])).toEqual([
    [0n, "a"],
    [1n, "b"],
  ]);
  call.stream.write(batch("c"));
  expect((await call.next()).results.map((r) => [r.sequence, r.outcome.value])).toEqual([[2n, "c"]]);
  call.stream.end();
  expect(await call.status).toBe("0");
  expect((await handlerEnded).aborted).toBe(false);
});

it("ends the call RESOURCE_EXHAUSTED when one request message is over the limit, after the earlier answers", async () => {
  const call = open();
  call.stream.write(batch("small"));
  await call.next();
  call.stream.write(batch("x".repeat(2000)));
  expect(await call.status).toBe(String(Code.ResourceExhausted));
});

it("ends the call INVALID_ARGUMENT on a message that does not decode", async () => {
  const call = open();
  call.stream.write(encodeFrame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])));
  expect(await call.status).toBe(String(Code.InvalidArgument));
});

it("ends the handler's iteration and aborts the call's signal when the caller goes away", async () => {
  const call = open();
  call.stream.write(batch("a"));
  await call.next();
  call.stream.close(constants.NGHTTP2_CANCEL);
  const signal = await handlerEnded;
  await new Promise((resolve) => setImmediate(resolve));
  expect(signal.aborted).toBe(true);
});
