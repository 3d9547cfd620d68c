// Unit tests of MemStorePubSub: fan-out, ordering, exact and wildcard filters, consumer groups,
// closing and aborting, bounded buffers that drop, payload copies, and the pattern's pubsub wiring.
import { Code, ConnectError, type LocalSubscription, type PubSubMessage } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { afterEach, describe, expect, it } from "vitest";
import { memstorePattern } from "./memstore-pattern.js";
import { MemStorePubSub } from "./memstore-pubsub.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array): string => new TextDecoder().decode(value);

const backends: MemStorePubSub[] = [];
afterEach(() => {
  for (const backend of backends.splice(0)) backend.close();
});

function makePubSub(subscriberBufferSize = 1024): MemStorePubSub {
  const pubsub = new MemStorePubSub({ subscriberBufferSize });
  backends.push(pubsub);
  return pubsub;
}

function subscribe(pubsub: MemStorePubSub, topic: string, group = "", signal = new AbortController().signal) {
  return pubsub.subscribe({ topic, group, maxInFlight: 1, signal });
}

const payloads = async (subscription: LocalSubscription): Promise<string[]> =>
  subscription.takeQueued().map((message) => text(message.payload));

async function publishMany(pubsub: MemStorePubSub, topic: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await pubsub.publish(topic, bytes(`m${i}`), {}));
  return ids;
}

const range = (count: number): string[] => Array.from({ length: count }, (_, i) => `m${i}`);

describe("MemStorePubSub fan-out", () => {
  it("delivers every message to each of 3 subscribers, with topic, metadata, id and time", async () => {
    const pubsub = makePubSub();
    const subs = await Promise.all([1, 2, 3].map(() => subscribe(pubsub, "orders.created")));
    const before = Date.now();
    const id = await pubsub.publish("orders.created", bytes("hello"), { trace: "t1" });
    for (const sub of subs) {
      const [message, ...rest] = sub.takeQueued();
      expect(rest).toEqual([]);
      expect(message).toMatchObject({ topic: "orders.created", metadata: { trace: "t1" }, messageId: id, deliveryAttempt: 1 });
      expect(text(message!.payload)).toBe("hello");
      expect(message!.publishedAtMs).toBeGreaterThanOrEqual(before);
    }
    expect(pubsub.guarantee).toBe("at-most-once");
    expect(pubsub.stats()).toEqual({ subscriptions: 3, published: 1, dropped: 0 });
  });

  it("delivers every message to each of 100 subscribers", async () => {
    const pubsub = makePubSub();
    const subs = await Promise.all(Array.from({ length: 100 }, () => subscribe(pubsub, "t")));
    await publishMany(pubsub, "t", 5);
    for (const sub of subs) expect(await payloads(sub)).toEqual(range(5));
  });

  it("keeps the order of 1,000 messages, with unique increasing ids sharing one instance prefix", async () => {
    const pubsub = makePubSub();
    const sub = await subscribe(pubsub, "t");
    const ids = await publishMany(pubsub, "t", 1000);
    const messages = sub.takeQueued();
    expect(messages.map((m) => text(m.payload))).toEqual(range(1000));
    expect(messages.map((m) => m.messageId)).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    const prefixes = new Set(ids.map((id) => id.slice(0, id.lastIndexOf("-"))));
    expect(prefixes.size).toBe(1);
    const counters = ids.map((id) => Number(id.slice(id.lastIndexOf("-") + 1)));
    for (let i = 1; i < counters.length; i++) expect(counters[i]).toBeGreaterThan(counters[i - 1]!);
    const other = makePubSub();
    expect(await other.publish("t", bytes("x"), {})).not.toMatch(new RegExp(`^${[...prefixes][0]}-`));
  });

  it("also delivers to a reader already waiting", async () => {
    const pubsub = makePubSub(1);
    const sub = await subscribe(pubsub, "t");
    const iterator = sub[Symbol.asyncIterator]();
    const next = iterator.next();
    await pubsub.publish("t", bytes("a"), {});
    await pubsub.publish("t", bytes("b"), {});
    expect(text(((await next) as IteratorYieldResult<PubSubMessage>).value.payload)).toBe("a");
    expect(await payloads(sub)).toEqual(["b"]);
  });
});

describe("MemStorePubSub topics", () => {
  it("routes exact topics and wildcard filters (* one level, > the rest)", async () => {
    const pubsub = makePubSub();
    const exact = await subscribe(pubsub, "orders.created");
    const star = await subscribe(pubsub, "orders.*");
    const rest = await subscribe(pubsub, "orders.>");
    const middle = await subscribe(pubsub, "*.eu.created");
    const all = await subscribe(pubsub, ">");
    for (const topic of ["orders.created", "orders.eu.created", "orders", "payments.created", "orders.updated"]) {
      await pubsub.publish(topic, bytes(topic), {});
    }
    expect(await payloads(exact)).toEqual(["orders.created"]);
    expect(await payloads(star)).toEqual(["orders.created", "orders.updated"]);
    expect(await payloads(rest)).toEqual(["orders.created", "orders.eu.created", "orders.updated"]);
    expect(await payloads(middle)).toEqual(["orders.eu.created"]);
    expect(await payloads(all)).toEqual(["orders.created", "orders.eu.created", "orders", "payments.created", "orders.updated"]);
  });

  it("publishing to a topic nobody subscribes to still returns an id", async () => {
    const pubsub = makePubSub();
    expect(await pubsub.publish("nobody.here", bytes("x"), {})).not.toBe("");
    expect(pubsub.stats()).toEqual({ subscriptions: 0, published: 1, dropped: 0 });
  });
});

describe("MemStorePubSub groups", () => {
  it("members of a group share messages; each group and each ungrouped subscriber get all", async () => {
    const pubsub = makePubSub();
    const g = await Promise.all([1, 2, 3].map(() => subscribe(pubsub, "orders.*", "g")));
    const h = await Promise.all([1, 2].map(() => subscribe(pubsub, "orders.*", "h")));
    const solo = await subscribe(pubsub, "orders.*");
    await publishMany(pubsub, "orders.created", 30);
    const gGot = await Promise.all(g.map(payloads));
    const hGot = await Promise.all(h.map(payloads));
    expect(gGot.map((got) => got.length)).toEqual([10, 10, 10]); // round-robin
    expect(hGot.map((got) => got.length)).toEqual([15, 15]);
    expect(gGot.flat().sort()).toEqual(range(30).sort());
    expect(hGot.flat().sort()).toEqual(range(30).sort());
    expect(await payloads(solo)).toEqual(range(30));
  });

  it("a group name on another filter is another group", async () => {
    const pubsub = makePubSub();
    const exact = await subscribe(pubsub, "orders.created", "g");
    const wild = await subscribe(pubsub, "orders.>", "g");
    await publishMany(pubsub, "orders.created", 3);
    expect(await payloads(exact)).toEqual(range(3));
    expect(await payloads(wild)).toEqual(range(3));
  });

  it("a member that leaves stops getting turns; the rest get everything", async () => {
    const pubsub = makePubSub();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => subscribe(pubsub, "t", "g")));
    await publishMany(pubsub, "t", 2); // a, b
    await b!.close();
    await pubsub.publish("t", bytes("x"), {});
    await pubsub.publish("t", bytes("y"), {});
    expect([...(await payloads(a!)), ...(await payloads(c!))].sort()).toEqual(["m0", "x", "y"]);
  });

  it("skips a member whose buffer is full while another has room", async () => {
    const pubsub = makePubSub(2);
    const stuck = await subscribe(pubsub, "t", "g");
    const reader = await subscribe(pubsub, "t", "g");
    const got: string[] = [];
    for (let i = 0; i < 20; i++) {
      await pubsub.publish("t", bytes(`m${i}`), {});
      got.push(...(await payloads(reader)));
    }
    expect(stuck.pending).toBe(2);
    expect(got.length).toBe(18);
    expect(pubsub.stats().dropped).toBe(0);
  });
});

describe("MemStorePubSub closing", () => {
  it("close stops delivery, ends iteration, is idempotent, and the count returns to 0", async () => {
    const pubsub = makePubSub();
    const sub = await subscribe(pubsub, "orders.*", "g");
    const other = await subscribe(pubsub, "orders.created");
    expect(pubsub.subscriptionCount()).toBe(2);
    const iterator = sub[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await sub.close();
    await sub.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await pubsub.publish("orders.created", bytes("x"), {});
    expect(sub.pending).toBe(0);
    expect(pubsub.subscriptionCount()).toBe(1);
    expect(await sub.ack(["anything"])).toBe(0);
    await other.close();
    expect(pubsub.subscriptionCount()).toBe(0);
  });

  it("ending the iteration closes the subscription", async () => {
    const pubsub = makePubSub();
    const sub = await subscribe(pubsub, "t");
    await publishMany(pubsub, "t", 3);
    for await (const message of sub) {
      expect(text(message.payload)).toBe("m0");
      break;
    }
    expect(sub.isClosed).toBe(true);
    expect(pubsub.subscriptionCount()).toBe(0);
  });

  it("1,000 subscribe/close cycles leave no subscription behind", async () => {
    const pubsub = makePubSub();
    const keep = await subscribe(pubsub, "orders.*", "g");
    const filters = ["orders.created", "orders.*", "orders.>", ">"];
    for (let i = 0; i < 1000; i++) {
      const sub = await subscribe(pubsub, filters[i % filters.length]!, i % 3 === 0 ? "g" : "");
      await pubsub.publish("orders.created", bytes("x"), {});
      await sub.close();
    }
    await keep.close();
    expect(pubsub.subscriptionCount()).toBe(0);
    expect(pubsub.stats().subscriptions).toBe(0);
    const late = await subscribe(pubsub, "orders.*", "g"); // a fresh group works after all that churn
    await publishMany(pubsub, "orders.created", 2);
    expect(await payloads(late)).toEqual(range(2));
  });

  it("closes when the signal aborts, including a signal aborted before subscribing", async () => {
    const pubsub = makePubSub();
    const controller = new AbortController();
    const sub = await subscribe(pubsub, "t", "", controller.signal);
    const waiting = sub[Symbol.asyncIterator]().next();
    controller.abort();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(pubsub.subscriptionCount()).toBe(0);
    const early = await subscribe(pubsub, "t", "", AbortSignal.abort());
    expect(early.isClosed).toBe(true);
    expect(pubsub.subscriptionCount()).toBe(0);
  });

  it("close() ends every subscription; publish and subscribe then fail with UNAVAILABLE", async () => {
    const pubsub = makePubSub();
    const subs = await Promise.all(["a", "b.*", "c"].map((topic) => subscribe(pubsub, topic)));
    pubsub.close();
    expect(subs.every((sub) => sub.isClosed)).toBe(true);
    expect(pubsub.subscriptionCount()).toBe(0);
    const error = await pubsub.publish("a", bytes("x"), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    await expect(subscribe(pubsub, "a")).rejects.toBeInstanceOf(ConnectError);
  });
});

describe("MemStorePubSub bounded buffers", () => {
  it("a subscriber never read fills to subscriberBufferSize then drops, while another gets every message", async () => {
    const pubsub = makePubSub(10);
    const idle = await subscribe(pubsub, "t");
    const reader = await subscribe(pubsub, "t");
    const got: string[] = [];
    for (let i = 0; i < 100; i++) {
      await pubsub.publish("t", bytes(`m${i}`), {});
      got.push(...(await payloads(reader)));
    }
    expect(got).toEqual(range(100));
    expect(idle.pending).toBe(10);
    expect(idle.dropped).toBe(90);
    expect(await payloads(idle)).toEqual(range(10)); // the oldest are kept, new ones dropped
    expect(pubsub.stats()).toEqual({ subscriptions: 2, published: 100, dropped: 90 });
    await idle.close();
    expect(pubsub.stats()).toEqual({ subscriptions: 1, published: 100, dropped: 90 }); // closed subscriptions still count
  });

  it("publishing 10,000 messages to a stuck subscriber keeps its memory bounded", async () => {
    const pubsub = makePubSub(16);
    const stuck = await subscribe(pubsub, "t");
    await publishMany(pubsub, "t", 10_000);
    expect(stuck.pending).toBe(16);
    expect(pubsub.stats().dropped).toBe(10_000 - 16);
  });

  it("rejects a buffer size below 1", () => {
    expect(() => new MemStorePubSub({ subscriberBufferSize: 0 })).toThrow(RangeError);
  });
});

describe("MemStorePubSub copies", () => {
  it("copies the payload and metadata at publish: later changes by the publisher change nothing", async () => {
    const pubsub = makePubSub();
    const sub = await subscribe(pubsub, "t");
    const network = bytes("xxhelloxx");
    const metadata = { k: "v" };
    await pubsub.publish("t", network.subarray(2, 7), metadata);
    network.fill(0);
    metadata.k = "changed";
    const [message] = sub.takeQueued();
    expect(text(message!.payload)).toBe("hello");
    expect(message!.payload.byteLength).toBe(5);
    expect(message!.payload.buffer).not.toBe(network.buffer);
    expect(message!.metadata).toEqual({ k: "v" });
  });
});

describe("memstorePattern pubsub", () => {
  const context = { namespace: "test", logger: createLogger({ write: () => {} }) };

  it("serves pubsub with subscriberBufferSize (default 1024), reports its counters, and stop() closes it", async () => {
    expect(parseConfig(memstorePattern.config, {}).subscriberBufferSize).toBe(1024);
    const pattern = await memstorePattern.create(parseConfig(memstorePattern.config, { subscriberBufferSize: 2 }), context);
    const pubsub = pattern.pubsub!;
    const sub = await pubsub.subscribe({ topic: "t", group: "", maxInFlight: 1, signal: new AbortController().signal });
    for (let i = 0; i < 5; i++) await pubsub.publish("t", bytes("x"), {});
    expect(await pattern.health?.()).toMatchObject({
      status: "HEALTHY",
      details: { subscriptions: 1, published: 5, dropped: 3 },
    });
    await pattern.stop?.();
    expect(pubsub.subscriptionCount()).toBe(0);
    expect(await sub[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
  });

  it("rejects subscriberBufferSize 0", () => {
    expect(() => parseConfig(memstorePattern.config, { subscriberBufferSize: 0 })).toThrow();
  });
});
