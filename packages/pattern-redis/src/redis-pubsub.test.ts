// Integration tests of RedisPubSub against a real, private redis-server: round trip, fan-out, order,
// consumer groups, wildcards, closing, leak-free subscribe/close cycles (checked on the server),
// namespace isolation, bounded buffers that drop, the subscriber connection opened by the first subscribe
// only, and an outage (kill, restart) survived by subscriptions.
import { Code, ConnectError, type LocalSubscription, type PubSubMessage } from "@prism/pattern-sdk";
import { parseConfig } from "@prism/pattern-sdk/host";
import { type RedisServer, startRedisServer } from "@prism/testkit";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { codeOf } from "../test/code-of.js";
import { createRedisClient } from "./redis-client.js";
import { redisConfigSchema } from "./redis-config.js";
import { RedisPubSub } from "./redis-pubsub.js";
import { createRedisSubscriberClient } from "./redis-subscriber-client.js";

let server: RedisServer;
/** A plain client for PUBSUB NUMSUB / NUMPAT checks. */
let admin: Redis;
const clients: Redis[] = [];
const backends: RedisPubSub[] = [];

const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);
const text = (value: Uint8Array): string => new TextDecoder().decode(value);
const range = (count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `m${from + i}`);
/** How long to wait for something the server or a reconnect does in the background, and how often to look. */
const eventually = { timeout: 15_000, interval: 20 };

function clientConfig() {
  return parseConfig(redisConfigSchema, {
    url: server.url,
    connectTimeoutMs: 500,
    commandTimeoutMs: 500,
    reconnectInitialDelayMs: 10,
    reconnectMaxDelayMs: 100,
  });
}

/** A RedisPubSub on its own two connected clients, with channels under `keyPrefix`. */
async function makePubSub(keyPrefix = "test:", subscriberBufferSize = 1024): Promise<RedisPubSub> {
  const { client, address } = createRedisClient(clientConfig());
  const subscriber = createRedisSubscriberClient(clientConfig()).client;
  clients.push(client, subscriber);
  // Connection errors during the outage test are expected; the connection reconnects by itself.
  for (const each of [client, subscriber]) each.on("error", () => undefined);
  await Promise.all([client.connect(), subscriber.connect()]);
  const pubsub = new RedisPubSub({ client, openSubscriber: async () => subscriber, keyPrefix, address, subscriberBufferSize });
  backends.push(pubsub);
  return pubsub;
}

function subscribe(pubsub: RedisPubSub, topic: string, group = "", signal = new AbortController().signal) {
  return pubsub.subscribe({ topic, group, maxInFlight: 1, signal });
}

/** Waits until `subscription` has `count` messages queued, then reads them. */
async function receive(subscription: LocalSubscription, count: number): Promise<PubSubMessage[]> {
  await expect
    .poll(() => subscription.pending, { ...eventually, message: `${count} messages queued on ${subscription.filter}` })
    .toBeGreaterThanOrEqual(count);
  return subscription.takeQueued();
}

const payloads = (messages: PubSubMessage[]): string[] => messages.map((message) => text(message.payload));

async function publishMany(pubsub: RedisPubSub, topic: string, values: string[]): Promise<string[]> {
  return Promise.all(values.map((value) => pubsub.publish(topic, bytes(value), {})));
}

/** Subscribers of `channel` on the server, or -1 while the admin connection is down. */
async function numsub(channel: string): Promise<number> {
  try {
    const reply = (await admin.call("PUBSUB", "NUMSUB", channel)) as [string, number];
    return Number(reply[1]);
  } catch {
    return -1;
  }
}

/** Pattern subscriptions on the server, or -1 while the admin connection is down. */
async function numpat(): Promise<number> {
  try {
    return Number(await admin.call("PUBSUB", "NUMPAT"));
  } catch {
    return -1;
  }
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = createRedisClient(clientConfig()).client;
  admin.on("error", () => undefined);
  await admin.connect();
});

afterEach(() => {
  for (const backend of backends.splice(0)) backend.close();
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

describe("RedisPubSub delivery", () => {
  it("round-trips payload bytes, metadata, id, topic and publish time", async () => {
    const pubsub = await makePubSub();
    expect(pubsub.guarantee).toBe("at-most-once");
    const sub = await subscribe(pubsub, "orders.created");
    const payload = new Uint8Array([0, 10, 13, 255, 123, 10, 0]);
    const before = Date.now();
    const metadata = Object.fromEntries([
      ["trace", "t1"],
      ["content-type", "a\nb"],
      ["__proto__", "x"],
    ]);
    const id = await pubsub.publish("orders.created", payload, metadata);
    const empty = await pubsub.publish("orders.created", new Uint8Array(0), {});
    const after = Date.now();
    const [message, second] = await receive(sub, 2);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(message).toMatchObject({ topic: "orders.created", messageId: id, deliveryAttempt: 1 });
    expect(message!.payload).toEqual(payload);
    expect(Object.entries(message!.metadata)).toEqual([
      ["trace", "t1"],
      ["content-type", "a\nb"],
      ["__proto__", "x"],
    ]);
    expect(message!.publishedAtMs).toBeGreaterThanOrEqual(before);
    expect(message!.publishedAtMs).toBeLessThanOrEqual(after);
    expect(second).toMatchObject({ messageId: empty, metadata: {} });
    expect(second!.payload.byteLength).toBe(0);
    expect(empty).not.toBe(id);
  });

  it("fans every message out to each of 3 subscribers", async () => {
    const pubsub = await makePubSub();
    const subs = await Promise.all([1, 2, 3].map(() => subscribe(pubsub, "news")));
    const ids = await publishMany(pubsub, "news", range(5));
    for (const sub of subs) {
      const messages = await receive(sub, 5);
      expect(payloads(messages)).toEqual(range(5));
      expect(messages.map((message) => message.messageId)).toEqual(ids);
    }
    expect(pubsub.stats()).toMatchObject({ subscriptions: 3, published: 5, dropped: 0 });
  });

  it("keeps the publish order of 1,000 messages", async () => {
    const pubsub = await makePubSub();
    const sub = await subscribe(pubsub, "ordered");
    await publishMany(pubsub, "ordered", range(1000));
    expect(payloads(await receive(sub, 1000))).toEqual(range(1000));
  });

  it("shares a group's messages round-robin while an ungrouped subscriber gets them all", async () => {
    const pubsub = await makePubSub();
    const members = await Promise.all([1, 2, 3].map(() => subscribe(pubsub, "jobs", "workers")));
    const other = await subscribe(pubsub, "jobs", "auditors");
    const solo = await subscribe(pubsub, "jobs");
    await publishMany(pubsub, "jobs", range(30));
    expect(payloads(await receive(solo, 30))).toEqual(range(30));
    expect(payloads(await receive(other, 30))).toEqual(range(30));
    const shares = await Promise.all(members.map((member) => receive(member, 10)));
    for (const share of shares) expect(share).toHaveLength(10);
    expect(payloads(shares.flat()).sort()).toEqual(range(30).sort());
  });

  it("matches `orders.*` one level and `orders.>` the rest, beside an exact subscriber", async () => {
    const pubsub = await makePubSub();
    const oneLevel = await subscribe(pubsub, "orders.*");
    const rest = await subscribe(pubsub, "orders.>");
    const middle = await subscribe(pubsub, "*.eu.*");
    const exact = await subscribe(pubsub, "orders.created");
    for (const [topic, value] of [
      ["orders.eu.created", "deep"],
      ["orders", "bare"],
      ["ordersX.created", "lookalike"],
      ["other.created", "other"],
      ["orders.created", "last"],
    ] as const) {
      await pubsub.publish(topic, bytes(value), {});
    }
    // "last" matches the three orders filters and arrives after everything published before it.
    expect(payloads(await receive(exact, 1))).toEqual(["last"]);
    const fromRest = await receive(rest, 2);
    expect(payloads(fromRest)).toEqual(["deep", "last"]);
    expect(fromRest.map((message) => message.topic)).toEqual(["orders.eu.created", "orders.created"]);
    expect(payloads(await receive(oneLevel, 1))).toEqual(["last"]);
    expect(payloads(await receive(middle, 1))).toEqual(["deep"]);
    await pubsub.publish("orders.created", bytes("again"), {});
    expect(payloads(await receive(oneLevel, 1))).toEqual(["again"]);
    expect(oneLevel.pending + rest.pending + exact.pending + middle.pending).toBe(2);
  });
});

describe("RedisPubSub lifecycle", () => {
  it("stops delivery on close and on abort, and the count returns to 0", async () => {
    const pubsub = await makePubSub();
    const sub = await subscribe(pubsub, "closing");
    const controller = new AbortController();
    const aborted = await subscribe(pubsub, "closing.>", "", controller.signal);
    expect(pubsub.subscriptionCount()).toBe(2);
    await pubsub.publish("closing", bytes("one"), {});
    expect(payloads(await receive(sub, 1))).toEqual(["one"]);

    const iterator = sub[Symbol.asyncIterator]();
    const ended = iterator.next();
    await sub.close();
    await sub.close();
    expect(await ended).toEqual({ value: undefined, done: true });
    controller.abort();
    expect(aborted.isClosed).toBe(true);
    expect(pubsub.subscriptionCount()).toBe(0);
    await pubsub.publish("closing", bytes("two"), {});
    await pubsub.publish("closing.x", bytes("two"), {});
    expect(sub.pending + aborted.pending).toBe(0);
    await expect
      .poll(async () => [await numsub("test:ps:closing"), await numpat()], {
        ...eventually,
        message: "[NUMSUB closing, NUMPAT] once unsubscribed",
      })
      .toEqual([0, 0]);

    pubsub.close();
    expect(await codeOf(pubsub.publish("closing", bytes("x"), {}))).toBe(Code.Unavailable);
    expect(await codeOf(subscribe(pubsub, "closing"))).toBe(Code.Unavailable);
  });

  it("keeps a channel subscribed while any local subscriber holds it", async () => {
    const pubsub = await makePubSub();
    const first = await subscribe(pubsub, "shared");
    const second = await subscribe(pubsub, "shared", "g");
    expect(await numsub("test:ps:shared")).toBe(1);
    await first.close();
    await pubsub.publish("shared", bytes("still"), {});
    expect(payloads(await receive(second, 1))).toEqual(["still"]);
    expect(await numsub("test:ps:shared")).toBe(1);
    await second.close();
    await expect.poll(() => numsub("test:ps:shared"), { ...eventually, message: "NUMSUB shared once unsubscribed" }).toBe(0);
  });

  it("leaves no subscription behind after 1,000 subscribe/close cycles, locally or on the server", async () => {
    const pubsub = await makePubSub();
    const topics = ["cycle.a", "cycle.*", "cycle.>", "cycle.b"];
    for (let i = 0; i < 1000; i++) {
      const topic = topics[i % topics.length]!;
      const sub = await subscribe(pubsub, topic, i % 3 === 0 ? "g" : "");
      if (i % 2 === 0) await sub.close();
      else await sub[Symbol.asyncIterator]().return?.();
    }
    // Overlapping holders of one channel and one glob, closed out of order.
    const overlapping = await Promise.all(["cycle.a", "cycle.a", "cycle.*", "cycle.>", "cycle.a"].map((topic) => subscribe(pubsub, topic)));
    for (const sub of overlapping.reverse()) await sub.close();
    expect(pubsub.subscriptionCount()).toBe(0);
    await expect
      .poll(async () => [await numsub("test:ps:cycle.a"), await numsub("test:ps:cycle.b"), await numpat()], {
        ...eventually,
        message: "[NUMSUB cycle.a, NUMSUB cycle.b, NUMPAT] on the server",
      })
      .toEqual([0, 0, 0]);
    const late = await subscribe(pubsub, "cycle.a");
    await pubsub.publish("cycle.a", bytes("works"), {});
    expect(payloads(await receive(late, 1))).toEqual(["works"]);
  });

  it("isolates namespaces sharing one Redis by their key prefix", async () => {
    const a = await makePubSub("ns-a:");
    const b = await makePubSub("ns-b:");
    const aExact = await subscribe(a, "orders.created");
    const aWild = await subscribe(a, "orders.>");
    const bExact = await subscribe(b, "orders.created");
    const bWild = await subscribe(b, "orders.>");
    await a.publish("orders.created", bytes("from-a"), {});
    await b.publish("orders.created", bytes("from-b"), {});
    expect(payloads(await receive(aExact, 1))).toEqual(["from-a"]);
    expect(payloads(await receive(aWild, 1))).toEqual(["from-a"]);
    expect(payloads(await receive(bExact, 1))).toEqual(["from-b"]);
    expect(payloads(await receive(bWild, 1))).toEqual(["from-b"]);
    // A later message to both proves nothing else was on its way.
    await a.publish("orders.created", bytes("a2"), {});
    await b.publish("orders.created", bytes("b2"), {});
    expect(payloads(await receive(bWild, 1))).toEqual(["b2"]);
    expect(payloads(await receive(aWild, 1))).toEqual(["a2"]);
  });

  it("drops (and counts) what a subscriber never reads while another receives everything", async () => {
    const pubsub = await makePubSub("test:", 100);
    const idle = await subscribe(pubsub, "firehose");
    const reader = await subscribe(pubsub, "firehose");
    const received: string[] = [];
    // Publish in batches of 50 and let the reader catch up in between, so its buffer of 100 never fills.
    for (let batch = 0; batch < 6; batch++) {
      await publishMany(pubsub, "firehose", range(50, batch * 50));
      received.push(...payloads(await receive(reader, 50)));
    }
    expect(received).toEqual(range(300));
    expect(idle.pending).toBe(100);
    expect(idle.dropped).toBe(200);
    expect(reader.dropped).toBe(0);
    expect(pubsub.stats()).toMatchObject({ subscriptions: 2, published: 300, dropped: 200 });
    await idle.close();
    expect(pubsub.stats()).toMatchObject({ subscriptions: 1, dropped: 200 });
  });

  it("ignores (and counts) messages on its channels that are not in the envelope format", async () => {
    const pubsub = await makePubSub();
    const sub = await subscribe(pubsub, "foreign.>");
    await admin.publish("test:ps:foreign.x", "plain text");
    await pubsub.publish("foreign.x", bytes("ok"), {});
    expect(payloads(await receive(sub, 1))).toEqual(["ok"]);
    expect(pubsub.stats().malformed).toBe(1);
  });
});

describe("RedisPubSub subscriber connection", () => {
  /** A RedisPubSub whose subscriber connection is opened by `open` (given the fresh, unconnected subscriber client). */
  async function lazyPubSub(open: (subscriber: Redis) => Promise<Redis>): Promise<RedisPubSub> {
    const { client, address } = createRedisClient(clientConfig());
    const subscriber = createRedisSubscriberClient(clientConfig()).client;
    clients.push(client, subscriber);
    await client.connect();
    const pubsub = new RedisPubSub({
      client,
      openSubscriber: () => open(subscriber),
      keyPrefix: "lazy:",
      address,
      subscriberBufferSize: 16,
    });
    backends.push(pubsub);
    return pubsub;
  }

  it("is opened by the first subscribe, not by publish, and once for concurrent subscribes", async () => {
    let opens = 0;
    const pubsub = await lazyPubSub(async (subscriber) => {
      opens++;
      await subscriber.connect();
      return subscriber;
    });
    await pubsub.publish("x", bytes("nobody listens"), {});
    expect(opens).toBe(0);
    const [exact, wild, again] = await Promise.all(["x", "x.*", "x"].map((topic) => subscribe(pubsub, topic)));
    await subscribe(pubsub, "y");
    expect(opens).toBe(1);
    await pubsub.publish("x", bytes("one"), {});
    await pubsub.publish("x.y", bytes("two"), {});
    expect(payloads(await receive(exact!, 1))).toEqual(["one"]);
    expect(payloads(await receive(again!, 1))).toEqual(["one"]);
    expect(payloads(await receive(wild!, 1))).toEqual(["two"]);
  });

  it("tries again on the next subscribe after opening failed", async () => {
    let opens = 0;
    const pubsub = await lazyPubSub(async (subscriber) => {
      if (++opens === 1) throw new ConnectError("the subscriber connection could not be opened", Code.Unavailable);
      await subscriber.connect();
      return subscriber;
    });
    expect(await codeOf(subscribe(pubsub, "retry"))).toBe(Code.Unavailable);
    expect(pubsub.subscriptionCount()).toBe(0);
    const sub = await subscribe(pubsub, "retry");
    expect(opens).toBe(2);
    await pubsub.publish("retry", bytes("ok"), {});
    expect(payloads(await receive(sub, 1))).toEqual(["ok"]);
  });

  it("fails UNAVAILABLE a subscribe that waited for the subscriber connection while the pubsub closed", async () => {
    let opened!: () => void;
    const pubsub = await lazyPubSub(
      (subscriber) =>
        new Promise<Redis>((resolve) => {
          opened = () => resolve(subscriber.connect().then(() => subscriber));
        }),
    );
    const waiting = codeOf(subscribe(pubsub, "late"));
    pubsub.close();
    opened();
    expect(await waiting).toBe(Code.Unavailable);
    expect(pubsub.subscriptionCount()).toBe(0);
    expect(await numsub("lazy:ps:late")).toBe(0);
  });
});

describe("RedisPubSub outage", () => {
  it("fails publish UNAVAILABLE while Redis is down and keeps subscriptions receiving after a restart", async () => {
    const pubsub = await makePubSub();
    const exact = await subscribe(pubsub, "outage.t");
    const wild = await subscribe(pubsub, "outage.>");
    const leaving = await subscribe(pubsub, "outage.leaving");

    await server.kill();
    expect(await codeOf(pubsub.publish("outage.t", bytes("lost"), {}))).toBe(Code.Unavailable);
    await expect
      .poll(() => codeOf(subscribe(pubsub, "outage.new")), { ...eventually, message: "the code of a subscribe while Redis is down" })
      .toBe(Code.Unavailable);
    // Closed during the outage: must not come back after the reconnect.
    await leaving.close();
    expect(pubsub.subscriptionCount()).toBe(2);

    await server.restart();
    for (const sub of [exact, wild]) {
      let attempt = 0;
      await expect
        .poll(
          async () => {
            await pubsub.publish("outage.t", bytes(`after-${attempt++}`), {}).catch(() => undefined);
            return sub.pending;
          },
          { ...eventually, message: `messages queued on ${sub.filter} after publishing again since the restart` },
        )
        .toBeGreaterThan(0);
      const [first] = sub.takeQueued();
      expect(first).toMatchObject({ topic: "outage.t" });
      expect(text(first!.payload)).toMatch(/^after-\d+$/);
    }
    // Exactly what is still held was subscribed again: not the channel closed during the outage.
    const counts = await vi.waitFor(async () => {
      const answers = [await numsub("test:ps:outage.t"), await numsub("test:ps:outage.leaving"), await numpat()];
      expect(answers, "[NUMSUB outage.t, NUMSUB outage.leaving, NUMPAT] (-1 = the admin connection is down)").not.toContain(-1);
      return answers;
    }, eventually);
    expect(counts).toEqual([1, 0, 1]);
    const fresh = await subscribe(pubsub, "outage.new");
    await pubsub.publish("outage.new", bytes("fresh"), {});
    expect(payloads(await receive(fresh, 1))).toEqual(["fresh"]);
  });
});
