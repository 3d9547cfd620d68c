// PubSub handlers served as server-streaming calls on the lean gRPC server: a deadline that passes mid-stream ends the
// stream with DEADLINE_EXCEEDED (not a bare reset), and a subscription its backend ends reaches
// the caller as UNAVAILABLE (subscribe again), not as a normal end.
import { Code, ConnectError } from "@connectrpc/connect";
import { PubSubService, SubscribeRequestSchema, SubscribeResponseSchema } from "@prism/proto/pubsub/v1";
import { mkdtempSync, rmSync } from "node:fs";
import { type ClientHttp2Session, connect } from "node:http2";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { addService, callServerStreaming, createGrpcServer, type GrpcServer } from "@prism/wire";
import { MessageQueue } from "./message-queue.js";
import type { PubSubBackend, PubSubMessage, PubSubSubscription } from "./pubsub-backend.js";
import { createPubSubHandlers } from "./pubsub-handlers.js";

/** A backend whose subscriptions deliver one message and then end or stay open, as told. */
function backend(endAfterFirst: boolean): PubSubBackend {
  return {
    guarantee: "at-most-once",
    publish: async () => "id",
    subscriptionCount: () => 0,
    async subscribe(options): Promise<PubSubSubscription> {
      const queue = new MessageQueue<PubSubMessage>(10);
      const message = {
        topic: options.topic,
        payload: new Uint8Array([1]),
        metadata: {},
        messageId: "m1",
        publishedAtMs: 1,
        deliveryAttempt: 1,
      };
      queue.push(message);
      if (endAfterFirst) queue.close(false);
      options.signal.addEventListener("abort", () => queue.close());
      return {
        id: "s1",
        ack: async () => 0,
        close: async () => queue.close(),
        [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
      };
    },
  };
}

let dir: string;
let server: GrpcServer;
let session: ClientHttp2Session;

async function serve(endAfterFirst: boolean): Promise<void> {
  const table = addService(
    PubSubService,
    createPubSubHandlers(backend(endAfterFirst), { maxPayloadBytes: 1024, maxMetadataEntries: 8, defaultMaxInFlight: 8 }),
  );
  server = createGrpcServer((path) => table.get(path));
  const socket = join(dir, "s.sock");
  await new Promise<void>((resolve) => server.server.listen(socket, resolve));
  session = connect("http://pattern", { createConnection: () => netConnect(socket) });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "prism-stream-"));
});
afterEach(async () => {
  session?.destroy();
  await server?.close(10);
  rmSync(dir, { recursive: true, force: true });
});

async function subscribe(timeoutMs?: number): Promise<{ events: string[]; error: unknown }> {
  const events: string[] = [];
  try {
    const options = timeoutMs === undefined ? {} : { timeoutMs };
    for await (const response of callServerStreaming(
      session,
      "/prism.pubsub.v1.PubSubService/Subscribe",
      SubscribeRequestSchema,
      SubscribeResponseSchema,
      { topic: "t" },
      options,
    )) {
      events.push(response.event.case ?? "none");
    }
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

it("ends a stream whose deadline passes mid-stream with DEADLINE_EXCEEDED", async () => {
  await serve(false);
  const { events, error } = await subscribe(150);
  expect(events).toEqual(["subscribed", "message"]);
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(Code.DeadlineExceeded);
});

it("ends a subscription its backend ended with UNAVAILABLE, asking to subscribe again", async () => {
  await serve(true);
  const { events, error } = await subscribe();
  expect(events).toEqual(["subscribed", "message"]);
  expect((error as ConnectError).code).toBe(Code.Unavailable);
  expect((error as ConnectError).rawMessage).toMatch(/subscribe again/);
});
