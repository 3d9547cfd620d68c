// End to end PubSub through the real proxy on memstore (in-process and as a process): streaming,
// clean unsubscribe (no leaked subscriptions after 1,000 subscribe/cancel cycles), slow-consumer
// isolation with a bounded, counted drop, and the Connect/gRPC-Web (browser) protocols.
import { createPrismClient, type PrismClient, type ReceivedMessage } from "@prism/client";
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
    for (let i = 0; i < total; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => client.pubsub.publish("firehose", `m${i + j}-${"x".repeat(200)}`)));
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
});
