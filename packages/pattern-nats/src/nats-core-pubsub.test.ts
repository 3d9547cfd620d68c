// Core NATS (at-most-once) PubSub against a real nats-server: delivery, queue groups, wildcard
// filters, subscribe resolving only once the server has the subscription, closing, slow
// subscribers dropping, and health.
import { connect } from "@nats-io/transport-node";
import { Code, ConnectError } from "@prism/pattern-sdk";
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bytes, patiently, read, type StartedNats, startNats, subscription, text } from "../test/pubsub-test-kit.js";

let server: NatsServer;
let nats: StartedNats;

beforeAll(async () => {
  server = await startNatsServer();
  nats = await startNats({ url: server.url });
});

afterAll(async () => {
  await nats?.instance.stop?.();
  await server?.stop();
});

describe("nats pattern, core NATS", () => {
  it("is at-most-once and delivers what is published with its metadata, id and time", async () => {
    const { pubsub } = nats;
    expect(pubsub.guarantee).toBe("at-most-once");
    const sub = await pubsub.subscribe(subscription("greetings"));
    const reader = read(sub);
    const before = Date.now();
    const id = await pubsub.publish("greetings", bytes("hello"), { lang: "en", "odd key: ✓": "line\nbreak " });
    await expect.poll(() => reader.messages, patiently).toHaveLength(1);
    expect(reader.messages[0]).toMatchObject({
      topic: "greetings",
      metadata: { lang: "en", "odd key: ✓": "line\nbreak " },
      messageId: id,
      deliveryAttempt: 1,
    });
    expect(text(reader.messages[0]!)).toBe("hello");
    expect(reader.messages[0]!.publishedAtMs).toBeGreaterThanOrEqual(before);
    expect(await sub.ack([id])).toBe(0);
    await sub.close();
  });

  it("gives each message to one member of a group, and every message to each ungrouped subscriber", async () => {
    const { pubsub } = nats;
    const members = [
      read(await pubsub.subscribe(subscription("jobs", "workers"))),
      read(await pubsub.subscribe(subscription("jobs", "workers"))),
    ];
    const other = read(await pubsub.subscribe(subscription("jobs", "auditors")));
    const everyone = read(await pubsub.subscribe(subscription("jobs")));
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await pubsub.publish("jobs", bytes(`job ${i}`), {}));
    await vi.waitFor(() => {
      expect(everyone.messages).toHaveLength(40);
      expect(other.messages).toHaveLength(40);
      expect(members[0]!.messages.length + members[1]!.messages.length).toBe(40);
    }, patiently);
    const groupIds = [...members[0]!.messages, ...members[1]!.messages].map((m) => m.messageId);
    expect(new Set(groupIds).size).toBe(40);
    expect(new Set(groupIds)).toEqual(new Set(ids));
    expect(everyone.messages.map((m) => m.messageId)).toEqual(ids);
  });

  it("resolves subscribe once the server has the subscription: a message published right after by another connection arrives", async () => {
    const { pubsub } = nats;
    const other = await connect({ servers: server.url });
    try {
      let missed = 0;
      for (let i = 0; i < 200; i++) {
        const controller = new AbortController();
        const sub = await pubsub.subscribe({ ...subscription(`ready.${i}`), signal: controller.signal });
        other.publish(`prism.test.ready.${i}`, bytes(String(i)));
        let timer: NodeJS.Timeout | undefined;
        const next = sub[Symbol.asyncIterator]().next();
        const timeout = new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), 2000);
        });
        const result = await Promise.race([next, timeout]);
        clearTimeout(timer);
        if (result === "timeout" || result.done) missed++;
        else expect(text(result.value)).toBe(String(i));
        controller.abort();
      }
      expect(missed).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("matches a wildcard filter level for level", async () => {
    const { pubsub } = nats;
    const star = read(await pubsub.subscribe(subscription("orders.*")));
    const rest = read(await pubsub.subscribe(subscription("orders.>")));
    for (const topic of ["orders.eu", "orders.eu.late", "payments.eu", "orders", "orders.us"]) {
      await pubsub.publish(topic, bytes(topic), {});
    }
    await pubsub.publish("orders.end", bytes("orders.end"), {});
    await expect.poll(() => star.texts(), patiently).toContain("orders.end");
    expect(star.texts()).toEqual(["orders.eu", "orders.us", "orders.end"]);
    await expect.poll(() => rest.texts(), patiently).toEqual(["orders.eu", "orders.eu.late", "orders.us", "orders.end"]);
    expect(star.messages.map((m) => m.topic)).toEqual(["orders.eu", "orders.us", "orders.end"]);
  });

  it("stops delivering once closed, ends the iteration and counts no open subscription", async () => {
    const { pubsub } = nats;
    const baseline = pubsub.subscriptionCount();
    const sub = await pubsub.subscribe(subscription("news"));
    const reader = read(sub);
    expect(pubsub.subscriptionCount()).toBe(baseline + 1);
    await pubsub.publish("news", bytes("first"), {});
    await expect.poll(() => reader.texts(), patiently).toEqual(["first"]);
    await sub.close();
    await sub.close();
    await reader.ended;
    expect(pubsub.subscriptionCount()).toBe(baseline);
    const witness = read(await pubsub.subscribe(subscription("news")));
    await pubsub.publish("news", bytes("second"), {});
    await expect.poll(() => witness.texts(), patiently).toEqual(["second"]);
    expect(reader.texts()).toEqual(["first"]);
  });

  it("closes a subscription when its signal aborts", async () => {
    const { pubsub } = nats;
    const baseline = pubsub.subscriptionCount();
    const controller = new AbortController();
    const sub = await pubsub.subscribe({ ...subscription("signals"), signal: controller.signal });
    const reader = read(sub);
    expect(pubsub.subscriptionCount()).toBe(baseline + 1);
    controller.abort();
    await reader.ended;
    expect(pubsub.subscriptionCount()).toBe(baseline);
  });

  it("drops (and counts) messages for a subscriber that does not read, without holding up another", async () => {
    const { pubsub, instance } = nats;
    const stalled = await pubsub.subscribe(subscription("firehose"));
    const reader = read(await pubsub.subscribe(subscription("firehose")));
    // subscriberBufferSize is 1024: the stalled subscriber holds 1024 and drops the rest
    for (let i = 0; i < 1500; i++) await pubsub.publish("firehose", bytes(String(i)), {});
    await expect.poll(() => reader.messages, patiently).toHaveLength(1500);
    expect(reader.texts().slice(-1)).toEqual(["1499"]);
    const health = await instance.health?.();
    expect(health?.details?.dropped).toBeGreaterThanOrEqual(1500 - 1024);
    await stalled.close();
  });

  it("refuses a message larger than the server's max_payload with INVALID_ARGUMENT", async () => {
    const failure = await nats.pubsub.publish("big", new Uint8Array(1024 * 1024 + 1), {}).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.InvalidArgument);
    expect((failure as ConnectError).message).toContain("max_payload");
  });

  it("reports HEALTHY with server, state, round trip, subscriptions, dropped and mode", async () => {
    const health = await nats.instance.health?.();
    expect(health?.status).toBe("HEALTHY");
    expect(health?.details).toMatchObject({
      server: `127.0.0.1:${server.port}`,
      state: "connected",
      subscriptions: nats.pubsub.subscriptionCount(),
      jetstream: false,
    });
    expect(health?.details?.rttMs).toBeGreaterThanOrEqual(0);
  });
});
