// End to end PubSub through the real proxy on memstore (in-process and as a process): streaming,
// clean unsubscribe (no leaked subscriptions after 1,000 subscribe/cancel cycles), slow-consumer
// isolation with a bounded, counted drop, and the Connect/gRPC-Web (browser) protocols. Publishes
// ride PublishStream over gRPC: bounded per message on the process hop, and over Connect (which
// does not stream requests) the client falls back to one Publish call per message.
import { createPrismClient, type PrismClient, type ReceivedMessage } from "@prism/client";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { PublishStreamRequestSchema, PublishStreamResponseSchema } from "@prism/proto/pubsub/v1";
import { encodeFrame, FrameReader } from "@prism/wire";
import { type ClientHttp2Stream, connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let proxy: ProxyProcess;

beforeAll(async () => {
  proxy = await startProxyProcess({
    config: {
      health: { details: true },
      namespaces: {
        default: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" } },
        proc: { pubsub: { backend: "memstore", isolation: "process", healthIntervalMs: 100, config: { subscriberBufferSize: 64 } } },
        small: {
          pubsub: {
            backend: "memstore",
            isolation: "process",
            config: { limits: { maxRequestBytes: 70_000, maxPayloadBytes: 1000, maxValueBytes: 1000 } },
          },
        },
      },
    },
  });
});
afterAll(() => proxy?.stop());

type Health = { namespaces: Record<string, Record<string, { status: string; details?: Record<string, string> }>> };
async function pubsubDetails(namespace: string): Promise<Record<string, string>> {
  const response = await fetch(`${proxy.url}/healthz`);
  const body = (await response.json()) as Health;
  return body.namespaces[namespace]?.pubsub?.details ?? {};
}

async function take(subscription: AsyncIterable<ReceivedMessage>, count: number): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  if (count === 0) return out;
  for await (const message of subscription) {
    out.push(message);
    if (out.length === count) break;
  }
  return out;
}

describe.each(["default", "proc"])("PubSub through the proxy, namespace %s", (namespace) => {
  let client: PrismClient;
  beforeAll(() => {
    client = createPrismClient({ url: proxy.url, namespace });
  });

  it("delivers published messages with payload, metadata, id and time", async () => {
    const subscription = client.pubsub.subscribe("chat.room1");
    const { guarantee } = await subscription.ready;
    expect(guarantee).toBe("at-most-once");
    const received = take(subscription, 2);
    const id = await client.pubsub.publish("chat.room1", "hello", { metadata: { from: "ada" } });
    await client.pubsub.publish("chat.room1", new Uint8Array([0, 1, 255]));
    const [first, second] = await received;
    expect(first?.text()).toBe("hello");
    expect(first?.metadata).toEqual({ from: "ada" });
    expect(first?.messageId).toBe(id);
    expect(first?.topic).toBe("chat.room1");
    expect(first?.publishedAt.getTime()).toBeGreaterThan(0);
    expect([...(second?.payload ?? [])]).toEqual([0, 1, 255]);
  });

  it("leaves no subscription behind after 1,000 subscribe/cancel cycles", async () => {
    for (let i = 0; i < 1000; i++) {
      const controller = new AbortController();
      const subscription = client.pubsub.subscribe(`cycle.t${i % 10}`, { signal: controller.signal });
      await subscription.ready;
      if (i % 2 === 0) controller.abort();
      else subscription.close();
    }
    await vi.waitFor(async () => expect((await pubsubDetails(namespace)).subscriptions).toBe("0"), { timeout: 15_000, interval: 25 });
  });

  it("isolates a subscriber that stops reading: the others get everything, its backlog is dropped and counted", async () => {
    const stuck = client.pubsub.subscribe("firehose");
    const reader = client.pubsub.subscribe("firehose");
    await Promise.all([stuck.ready, reader.ready]);
    const total = 5000;
    const received = take(reader, total);
    // Rounds of 25, within the reader's buffer of 64: streamed publishes arrive as one burst per round.
    for (let i = 0; i < total; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => client.pubsub.publish("firehose", `m${i + j}-${"x".repeat(200)}`)));
    }
    expect((await received).length).toBe(total);
    await vi.waitFor(async () => expect(Number((await pubsubDetails(namespace)).dropped)).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 25,
    });
    stuck.close();
  });
});

describe.each(["connect", "grpc-web"] as const)("PubSub over %s (what browsers use)", (protocol) => {
  it("subscribes and receives", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "proc", protocol, httpVersion: "1.1" });
    const subscription = client.pubsub.subscribe("web.events");
    await subscription.ready;
    const received = take(subscription, 3);
    for (const word of ["a", "b", "c"]) await client.pubsub.publish("web.events", word);
    expect((await received).map((m) => m.text())).toEqual(["a", "b", "c"]);
  });

  it("answers PublishStream UNIMPLEMENTED, and a client asked to stream publishes falls back to Publish", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "proc", protocol, httpVersion: "2", publishStream: true });
    const subscription = client.pubsub.subscribe("web.fallback");
    await subscription.ready;
    const received = take(subscription, 3);
    const ids = await Promise.all(["a", "b", "c"].map((word) => client.pubsub.publish("web.fallback", word)));
    expect(new Set(ids).size).toBe(3);
    expect((await received).map((m) => m.text()).sort()).toEqual(["a", "b", "c"]);
  });
});

describe("PublishStream on the process hop", () => {
  /** Opens a raw gRPC PublishStream on namespace "small" (request limit 70,000 bytes per message, payloads up to 1,000). */
  function openStream(): { stream: ClientHttp2Stream; status: Promise<string>; results: bigint[]; close: () => void } {
    const session = connect(proxy.url);
    session.on("error", () => {});
    const stream = session.request({
      ":method": "POST",
      ":path": "/prism.pubsub.v1.PubSubService/PublishStream",
      "content-type": "application/grpc",
      te: "trailers",
      "prism-namespace": "small",
    });
    const results: bigint[] = [];
    const reader = new FrameReader();
    stream.on("data", (chunk: Buffer) => {
      for (const bytes of reader.push(chunk)) {
        for (const result of fromBinary(PublishStreamResponseSchema, bytes).results) results.push(result.sequence);
      }
    });
    const status = new Promise<string>((resolve) => {
      stream.on("response", (headers) => {
        if (headers["grpc-status"] !== undefined) resolve(`${headers["grpc-status"]} ${headers["grpc-message"] ?? ""}`);
      });
      stream.on("trailers", (trailers) => resolve(`${trailers["grpc-status"]} ${trailers["grpc-message"] ?? ""}`));
      stream.on("close", () => resolve("closed without status"));
    });
    return { stream, status, results, close: () => session.close() };
  }
  const batch = (payloadBytes: number, count = 1) =>
    encodeFrame(
      toBinary(
        PublishStreamRequestSchema,
        create(PublishStreamRequestSchema, {
          messages: Array.from({ length: count }, () => ({ topic: "hop.t", payload: new Uint8Array(payloadBytes) })),
        }),
      ),
    );

  it("bounds each message, not the stream: many small batches pass, one message over the limit ends it RESOURCE_EXHAUSTED", async () => {
    const call = openStream();
    // 40 batches of 60 messages of 900 bytes: 2 MiB in all, far over the 70,000-byte limit each is within.
    for (let i = 0; i < 40; i++) call.stream.write(batch(900, 60));
    await vi.waitFor(() => expect(call.results).toHaveLength(2400), { timeout: 10_000 });
    expect(new Set(call.results).size).toBe(2400);
    call.stream.write(batch(900, 100));
    expect(await call.status).toMatch(/^8 .*70000/);
    call.close();
  });

  it("ends OK once the caller ends its side and every result is out", async () => {
    const call = openStream();
    call.stream.end(batch(10, 3));
    expect(await call.status).toBe("0 ");
    expect([...call.results].sort()).toEqual([0n, 1n, 2n]);
    call.close();
  });
});
