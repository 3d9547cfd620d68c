// Shared core NATS subscriptions against a real nats-server: local subscribers of one (filter, group)
// ride one NATS subscription (health detail natsSubscriptions), each message reaches every subscriber as
// one shared object, groups still split work (inside an instance and across instances), wildcard and
// exact filters do not double-deliver, and the last subscriber to leave releases the NATS subscription.
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { bytes, patiently, read, type Reader, type StartedNats, startNats, subscription } from "../test/pubsub-test-kit.js";

let server: NatsServer;
let nats: StartedNats;

beforeAll(async () => {
  server = await startNatsServer();
});

afterEach(async () => {
  await nats?.instance.stop?.();
});

afterAll(async () => {
  await server?.stop();
});

/** The natsSubscriptions health detail of `started`. */
async function natsSubscriptions(started: StartedNats): Promise<unknown> {
  return (await started.instance.health?.())?.details?.natsSubscriptions;
}

/** Reads `count` new subscriptions of `topic` in `group`. */
async function readers(started: StartedNats, count: number, topic: string, group = ""): Promise<Reader[]> {
  const out: Reader[] = [];
  for (let i = 0; i < count; i++) out.push(read(await started.pubsub.subscribe(subscription(topic, group))));
  return out;
}

describe("nats pattern, core NATS subscriptions shared per filter and group", () => {
  it("serves 100 subscribers of one topic with one NATS subscription, each getting every message as one shared object", async () => {
    nats = await startNats({ url: server.url });
    const subscribers = await readers(nats, 100, "crowd");
    expect(nats.pubsub.subscriptionCount()).toBe(100);
    expect(await natsSubscriptions(nats)).toBe(1);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await nats.pubsub.publish("crowd", bytes(`m${i}`), { n: String(i) }));
    await vi.waitFor(() => {
      for (const reader of subscribers) expect(reader.messages.map((m) => m.messageId)).toEqual(ids);
    }, patiently);
    const first = subscribers[0]!;
    expect(first.messages[3]).toMatchObject({ topic: "crowd", metadata: { n: "3" }, deliveryAttempt: 1 });
    for (const reader of subscribers) {
      for (const [i, message] of reader.messages.entries()) expect(message).toBe(first.messages[i]);
    }
    expect((await nats.instance.health?.())?.details).toMatchObject({ subscriptions: 100, natsSubscriptions: 1, dropped: 0 });
  });

  it("shares one queue subscription per group and filter, round robin inside the instance", async () => {
    nats = await startNats({ url: server.url });
    const workers = await readers(nats, 10, "jobs", "workers");
    const auditors = await readers(nats, 3, "jobs", "auditors");
    const everyone = await readers(nats, 5, "jobs");
    const elsewhere = await readers(nats, 2, "other", "workers");
    expect(await natsSubscriptions(nats)).toBe(4);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await nats.pubsub.publish("jobs", bytes(`job ${i}`), {}));
    await vi.waitFor(() => {
      for (const reader of everyone) expect(reader.messages).toHaveLength(40);
      expect(workers.reduce((sum, reader) => sum + reader.messages.length, 0)).toBe(40);
      expect(auditors.reduce((sum, reader) => sum + reader.messages.length, 0)).toBe(40);
    }, patiently);
    const workerIds = workers.flatMap((reader) => reader.messages.map((m) => m.messageId));
    expect(new Set(workerIds)).toEqual(new Set(ids));
    for (const reader of workers) expect(reader.messages).toHaveLength(4);
    for (const reader of elsewhere) expect(reader.messages).toHaveLength(0);
  });

  it("gives each message to one member of a group spread over two instances", async () => {
    nats = await startNats({ url: server.url });
    const peer = await startNats({ url: server.url });
    try {
      const members = [...(await readers(nats, 3, "tasks", "crew")), ...(await readers(peer, 3, "tasks", "crew"))];
      expect(await natsSubscriptions(nats)).toBe(1);
      expect(await natsSubscriptions(peer)).toBe(1);
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push(await nats.pubsub.publish("tasks", bytes(`task ${i}`), {}));
      await expect.poll(() => members.reduce((sum, reader) => sum + reader.messages.length, 0), patiently).toBe(60);
      const received = members.flatMap((reader) => reader.messages.map((m) => m.messageId));
      expect(new Set(received)).toEqual(new Set(ids));
    } finally {
      await peer.instance.stop?.();
    }
  });

  it("keeps wildcard and exact filters on their own NATS subscriptions without delivering twice", async () => {
    nats = await startNats({ url: server.url });
    const star = await readers(nats, 3, "orders.*");
    const exact = await readers(nats, 3, "orders.eu");
    expect(await natsSubscriptions(nats)).toBe(2);
    await nats.pubsub.publish("orders.eu", bytes("eu"), {});
    await nats.pubsub.publish("orders.us", bytes("us"), {});
    await vi.waitFor(() => {
      for (const reader of star) expect(reader.texts()).toEqual(["eu", "us"]);
    }, patiently);
    for (const reader of exact) expect(reader.texts()).toEqual(["eu"]);
    expect(star[0]!.messages[0]!.topic).toBe("orders.eu");
  });

  it("unsubscribes the NATS subscription when the last local subscriber leaves, and subscribes again for the next", async () => {
    nats = await startNats({ url: server.url });
    const controller = new AbortController();
    const subs = [];
    for (let i = 0; i < 5; i++) subs.push(await nats.pubsub.subscribe(subscription("news")));
    const aborted = await nats.pubsub.subscribe({ ...subscription("news"), signal: controller.signal });
    const grouped = await nats.pubsub.subscribe(subscription("news", "editors"));
    const keeper = read(subs[4]!);
    expect(await natsSubscriptions(nats)).toBe(2);

    for (const sub of subs.slice(0, 4)) await sub.close();
    controller.abort();
    await read(aborted).ended;
    expect(nats.pubsub.subscriptionCount()).toBe(2);
    expect(await natsSubscriptions(nats)).toBe(2);
    await nats.pubsub.publish("news", bytes("still here"), {});
    await expect.poll(() => keeper.texts(), patiently).toEqual(["still here"]);

    await subs[4]!.close();
    await keeper.ended;
    expect(await natsSubscriptions(nats)).toBe(1);
    await grouped.close();
    expect(nats.pubsub.subscriptionCount()).toBe(0);
    expect(await natsSubscriptions(nats)).toBe(0);

    const again = read(await nats.pubsub.subscribe(subscription("news")));
    expect(await natsSubscriptions(nats)).toBe(1);
    await nats.pubsub.publish("news", bytes("back"), {});
    await expect.poll(() => again.texts(), patiently).toEqual(["back"]);
    expect(keeper.texts()).toEqual(["still here"]);
  });

  it("releases every NATS subscription on stop", async () => {
    nats = await startNats({ url: server.url });
    await readers(nats, 4, "a");
    await readers(nats, 4, "b", "g");
    expect(await natsSubscriptions(nats)).toBe(2);
    await nats.instance.stop?.();
    expect(nats.pubsub.subscriptionCount()).toBe(0);
    expect(await natsSubscriptions(nats)).toBe(0);
  });
});
