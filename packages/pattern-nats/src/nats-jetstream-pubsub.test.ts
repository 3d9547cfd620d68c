// JetStream (at-least-once) PubSub against a real nats-server: stored publish, ack by id,
// redelivery to another group member after a close without ack, delivery to a group that was
// away, maxInFlight flow control, the stream created at start, and health.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { PubSubMessage } from "@prism/pattern-sdk";
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isConsumerNotFound } from "./jetstream-consumer.js";
import { JetStreamSubscription } from "./jetstream-subscription.js";
import { durableName } from "./nats-naming.js";
import { bytes, patiently, read, type StartedNats, startNats, subscription } from "../test/pubsub-test-kit.js";

let server: NatsServer;
let nats: StartedNats;
let probe: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  // 1 s pulls: a member that closes hands back what it held within about that long
  nats = await startNats({ url: server.url, jetstream: true, ackWaitMs: 60_000, pullExpiresMs: 1000 }, "orders-eu");
  probe = await connect({ servers: server.url });
});

afterAll(async () => {
  await probe?.close();
  await nats?.instance.stop?.();
  await server?.stop();
});

describe("nats pattern, JetStream", () => {
  it("creates the namespace's stream over the subject prefix at start", async () => {
    const jsm = await jetstreamManager(probe);
    const info = await jsm.streams.info("PRISM_ORDERS_EU");
    expect(info.config.subjects).toEqual(["prism.orders-eu.>"]);
    expect(info.config.max_age).toBe(24 * 60 * 60 * 1e9);
  });

  it("is at-least-once: publishes are stored, delivered with metadata, and acked by id", async () => {
    const { pubsub } = nats;
    expect(pubsub.guarantee).toBe("at-least-once");
    const sub = await pubsub.subscribe(subscription("invoices"));
    const reader = read(sub);
    const ids = [
      await pubsub.publish("invoices", bytes("a"), { customer: "42" }),
      await pubsub.publish("invoices", bytes("b"), {}),
      await pubsub.publish("invoices", bytes("c"), {}),
    ];
    await expect.poll(() => reader.messages.map((m) => m.messageId), patiently).toEqual(ids);
    expect(reader.texts()).toEqual(["a", "b", "c"]);
    expect(reader.messages[0]).toMatchObject({ topic: "invoices", metadata: { customer: "42" }, deliveryAttempt: 1 });
    expect(await sub.ack([ids[0]!, ids[1]!, "unknown"])).toBe(2);
    expect(await sub.ack([ids[0]!])).toBe(0);
    expect(await sub.ack([ids[2]!])).toBe(1);
    await sub.close();
    await reader.ended;
  });

  it("redelivers to another member of the group what a member received and closed without acking", async () => {
    const { pubsub } = nats;
    const subs = [await pubsub.subscribe(subscription("tasks", "workers")), await pubsub.subscribe(subscription("tasks", "workers"))];
    const readers = subs.map((sub) => read(sub));
    const id = await pubsub.publish("tasks", bytes("only once, please"), {});
    const first = await vi.waitFor(() => {
      const index = readers.findIndex((r) => r.messages.length > 0);
      expect(index).toBeGreaterThanOrEqual(0);
      return index;
    }, patiently);
    const other = 1 - first;
    expect(readers[first]!.messages[0]).toMatchObject({ messageId: id, deliveryAttempt: 1 });
    await subs[first]!.close();
    const redelivered = await vi.waitFor(() => {
      const message = readers[other]!.messages.find((m) => m.messageId === id);
      expect(message).toBeDefined();
      return message as PubSubMessage;
    }, patiently);
    expect(redelivered.deliveryAttempt).toBeGreaterThanOrEqual(2);
    expect(await subs[other]!.ack([id])).toBe(1);
    await subs[other]!.close();
  });

  it("delivers to a group what was published while none of its members was subscribed", async () => {
    const { pubsub } = nats;
    const early = await pubsub.subscribe(subscription("refunds", "accounting"));
    await early.close();
    await expect.poll(() => pubsub.subscriptionCount(), { ...patiently, message: "subscriptions open or still handing back" }).toBe(0);
    const id = await pubsub.publish("refunds", bytes("while away"), {});
    const late = await pubsub.subscribe(subscription("refunds", "accounting"));
    const reader = read(late);
    await expect.poll(() => reader.messages.map((m) => m.messageId), patiently).toEqual([id]);
    expect(await late.ack([id])).toBe(1);
    await late.close();
  });

  it("keeps at most maxInFlight messages unacked per subscriber and delivers the rest after acks", async () => {
    const { pubsub } = nats;
    const sub = await pubsub.subscribe(subscription("bulk", "loaders", 2));
    let acked = 0;
    let mostUnacked = 0;
    const reader = read(sub, () => {
      mostUnacked = Math.max(mostUnacked, reader.messages.length - acked);
    });
    const ack = async (messages: PubSubMessage[]) => {
      acked += await sub.ack(messages.map((m) => m.messageId));
    };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await pubsub.publish("bulk", bytes(String(i)), {}));
    const jsm = await jetstreamManager(probe);
    await vi.waitFor(async () => {
      const info = await jsm.consumers.info("PRISM_ORDERS_EU", durableName("loaders", "prism.orders-eu.bulk"));
      expect(info.num_ack_pending).toBe(2);
      expect(info.num_pending).toBe(3);
      expect(reader.messages).toHaveLength(2);
    }, patiently);
    await ack(reader.messages.slice(0, 2));
    await expect.poll(() => reader.messages, patiently).toHaveLength(4);
    await ack(reader.messages.slice(2, 4));
    await expect.poll(() => reader.messages, patiently).toHaveLength(5);
    await ack(reader.messages.slice(4));
    expect(acked).toBe(5);
    expect(mostUnacked).toBeLessThanOrEqual(2);
    expect(reader.messages.map((m) => m.messageId)).toEqual(ids);
    await sub.close();
  });

  it("recreates a subscriber's consumer that the server lost, missing nothing", async () => {
    const { pubsub } = nats;
    const sub = await pubsub.subscribe(subscription("audits"));
    expect(sub).toBeInstanceOf(JetStreamSubscription);
    const reader = read(sub, (message) => void sub.ack([message.messageId]));
    const ids = [await pubsub.publish("audits", bytes("1"), {})];
    await expect.poll(() => reader.messages, patiently).toHaveLength(1);
    const jsm = await jetstreamManager(probe);
    // nats-server 2.9.10 sometimes fails a consumer delete racing its own state write ("unlinkat ...: directory
    // not empty", seen under load); retried until the consumer is gone
    const consumer = (sub as JetStreamSubscription).consumerName;
    await vi.waitFor(async () => {
      await jsm.consumers.delete("PRISM_ORDERS_EU", consumer).catch((error: unknown) => {
        if (!isConsumerNotFound(error)) throw error;
      });
    }, patiently);
    ids.push(await pubsub.publish("audits", bytes("2"), {}), await pubsub.publish("audits", bytes("3"), {}));
    await expect.poll(() => reader.messages.map((m) => m.messageId), patiently).toEqual(ids);
    expect(nats.logs).toContainEqual(expect.objectContaining({ msg: "JetStream consumer was gone and has been recreated" }));
    await sub.close();
  });

  it("reports HEALTHY with jetstream on, and counts open subscriptions", async () => {
    // Members closed by earlier cases count until they have settled.
    await expect.poll(() => nats.pubsub.subscriptionCount(), { ...patiently, message: "subscriptions open or still handing back" }).toBe(0);
    const sub = await nats.pubsub.subscribe(subscription("health"));
    const health = await nats.instance.health?.();
    expect(health?.status).toBe("HEALTHY");
    expect(health?.details).toMatchObject({ state: "connected", subscriptions: 1, dropped: 0, jetstream: true });
    await sub.close();
    await expect.poll(() => nats.pubsub.subscriptionCount(), { ...patiently, message: "subscriptions open or still handing back" }).toBe(0);
  });
});
