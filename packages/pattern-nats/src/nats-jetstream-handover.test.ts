// A group member that leaves without acking, against a real nats-server: the next member gets what
// it held, as a redelivery on the same durable consumer (deliveryAttempt >= 2, same message id),
// whether the subscription is ended through the SDK's Subscribe handler (the call aborted) or by
// close() and abort in either order; and nothing it acked comes back.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { PubSubMessage, PubSubSubscription } from "@prism/pattern-sdk";
import { directPubSubCaller, type NatsServer, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JetStreamSubscription } from "./jetstream-subscription.js";
import { durableName } from "./nats-naming.js";
import { bytes, patiently, read, type StartedNats, startNats, text } from "../test/pubsub-test-kit.js";

const STREAM = "PRISM_WORKS";
const PREFIX = "prism.works";

let server: NatsServer;
let nats: StartedNats;
let probe: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  // ackWait far beyond the test timeout: a redelivery seen here can only come from a nak; 1 s pulls
  // (the shortest nats.js allows): a member that leaves hands back what it held within about that long
  nats = await startNats({ url: server.url, jetstream: true, ackWaitMs: 120_000, pullExpiresMs: 1000 }, "works");
  probe = await connect({ servers: server.url });
});

afterAll(async () => {
  await probe?.close();
  await nats?.instance.stop?.();
  await server?.stop();
});

/** Subscribes through the SDK's Subscribe handler and returns the first message; leaving the loop aborts the call. */
async function firstThroughHandler(topic: string, group: string): Promise<PubSubMessage> {
  const client = directPubSubCaller(nats.pubsub);
  const call = new AbortController();
  for await (const response of client.subscribe({ topic, group, maxInFlight: 8 }, { signal: call.signal })) {
    if (response.event.case === "message") {
      const { messageId, deliveryAttempt, payload, topic: from } = response.event.value;
      return { messageId, deliveryAttempt, payload, topic: from, metadata: {}, publishedAtMs: 0 };
    }
  }
  throw new Error("the subscription ended without a message");
}

/** Subscribes through the backend as the handler does, with the call's signal. */
async function subscribeWithSignal(topic: string, group: string): Promise<{ sub: PubSubSubscription; call: AbortController }> {
  const call = new AbortController();
  const sub = await nats.pubsub.subscribe({ topic, group, maxInFlight: 8, signal: call.signal });
  return { sub, call };
}

describe("nats pattern, JetStream: a group member leaves without acking", () => {
  it("the next member gets the message as a redelivery on the same durable consumer, through the SDK handler", async () => {
    const jsm = await jetstreamManager(probe);
    const consumer = durableName("g", `${PREFIX}.tasks.resize`);
    // published before the group exists: a brand-new group starts with the stored messages (groupStart all)
    const id = await nats.pubsub.publish("tasks.resize", bytes("M"), {});

    const seenByA = await firstThroughHandler("tasks.resize", "g");
    expect(seenByA).toMatchObject({ messageId: id, deliveryAttempt: 1 });
    await expect.poll(() => nats.pubsub.subscriptionCount(), { ...patiently, message: "subscriptions open or still handing back" }).toBe(0);
    const created = (await jsm.consumers.info(STREAM, consumer)).created;

    const seenByB = await firstThroughHandler("tasks.resize", "g");
    expect(seenByB.messageId).toBe(id);
    expect(text(seenByB)).toBe("M");
    expect(seenByB.deliveryAttempt).toBeGreaterThanOrEqual(2);
    // the same durable consumer, never deleted and recreated
    const info = await jsm.consumers.info(STREAM, consumer);
    expect(info.created).toBe(created);
    expect(info.delivered.stream_seq).toBe(1);
  });

  for (const order of ["close, then abort", "abort, then close"] as const) {
    it(`the next member gets what was not acked, and nothing acked (${order})`, async () => {
      const topic = order === "close, then abort" ? "thumbs.small" : "thumbs.large";
      const ids = [await nats.pubsub.publish(topic, bytes("one"), {}), await nats.pubsub.publish(topic, bytes("two"), {})];
      const a = await subscribeWithSignal(topic, "g");
      const iterator = a.sub[Symbol.asyncIterator]();
      const received = [(await iterator.next()).value as PubSubMessage, (await iterator.next()).value as PubSubMessage];
      expect(received.map((m) => [m.messageId, m.deliveryAttempt])).toEqual([
        [ids[0], 1],
        [ids[1], 1],
      ]);
      expect(await a.sub.ack([ids[1]!])).toBe(1);
      if (order === "close, then abort") {
        await a.sub.close();
        a.call.abort();
      } else {
        a.call.abort();
        await a.sub.close();
      }
      // The member counts until it has handed its unacked messages back.
      await expect
        .poll(() => nats.pubsub.subscriptionCount(), { ...patiently, message: "subscriptions open or still handing back" })
        .toBe(0);

      const b = await subscribeWithSignal(topic, "g");
      const reader = read(b.sub, (message) => void b.sub.ack([message.messageId]));
      await expect.poll(() => reader.messages, patiently).toHaveLength(1);
      expect(reader.messages[0]).toMatchObject({ messageId: ids[0], deliveryAttempt: 2 });
      // the acked message does not come back (older nats-servers handed it out again after a bad nak)
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(reader.messages.map((m) => m.messageId)).toEqual([ids[0]]);
      await b.sub.close();
      b.call.abort();
      await reader.ended;
    });
  }

  it("closing the last member keeps the group's durable consumer with what it held and what came later", async () => {
    const jsm = await jetstreamManager(probe);
    const consumer = durableName("keepers", `${PREFIX}.ledger`);
    const held = await nats.pubsub.publish("ledger", bytes("held"), {});
    const a = await subscribeWithSignal("ledger", "keepers");
    const iterator = a.sub[Symbol.asyncIterator]();
    expect(((await iterator.next()).value as PubSubMessage).messageId).toBe(held);
    a.call.abort();
    await (a.sub as JetStreamSubscription).whenSettled();
    const later = await nats.pubsub.publish("ledger", bytes("later"), {});

    const info = await jsm.consumers.info(STREAM, consumer);
    expect(info).toMatchObject({ num_ack_pending: 1, num_pending: 1 });

    const b = await subscribeWithSignal("ledger", "keepers");
    const reader = read(b.sub, (message) => void b.sub.ack([message.messageId]));
    await expect
      .poll(() => reader.messages.map((m) => [m.messageId, m.deliveryAttempt]), patiently)
      .toEqual([
        [held, 2],
        [later, 1],
      ]);
    await expect.poll(async () => (await jsm.consumers.info(STREAM, consumer)).num_ack_pending, patiently).toBe(0);
    b.call.abort();
    await reader.ended;
  });
});
