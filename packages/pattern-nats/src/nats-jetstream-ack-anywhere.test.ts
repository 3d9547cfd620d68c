// Acking a JetStream message through another instance than the one holding its subscription (another
// proxy): two nats pattern instances of one namespace on one nats-server; a subscriber on instance A,
// its Ack sent to instance B by subscription and message id. The acked message is not redelivered
// after ackWaitMs, an unacked one is; ids that are not this pattern's are not acked, and nothing is
// ever published to a subject taken from a client.
import { type NatsServer, directPubSubCaller, openSubscriber, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ackRelaySubject, decodeAckRelay, encodeAckRelay, MAX_RELAYED_IDS, relayableIds } from "./ack-relay.js";
import type { NatsPubSub } from "./nats-pubsub.js";
import { bytes, patiently, read, type StartedNats, startNats, subscription } from "../test/pubsub-test-kit.js";

let server: NatsServer;
let a: StartedNats;
let b: StartedNats;

const ACK_WAIT_MS = 1000;

beforeAll(async () => {
  server = await startNatsServer();
  const config = { url: server.url, jetstream: true, ackWaitMs: ACK_WAIT_MS, maxDeliver: 5, pullExpiresMs: 1000 };
  a = await startNats(config, "ack-anywhere");
  b = await startNats(config, "ack-anywhere");
});

afterAll(async () => {
  await a?.instance.stop?.();
  await b?.instance.stop?.();
  await server?.stop();
});

describe("relayed ack ids", () => {
  it("keeps only distinct ids of 1 to 256 printable characters", () => {
    const uuid = "0b6f3f6e-7d7e-4c50-9a0e-2f3d0b1c2a3b";
    expect(relayableIds([uuid, uuid, "", "a b", "x".repeat(257), 7, "S:12", "é"])).toEqual([uuid, "S:12"]);
  });

  it("decodes only well-formed relay requests", () => {
    expect(decodeAckRelay(encodeAckRelay({ ids: ["a", "b"] }))).toEqual({ ids: ["a", "b"], subscriptionId: undefined });
    expect(decodeAckRelay(encodeAckRelay({ ids: ["a"], subscriptionId: "s" }))).toEqual({ ids: ["a"], subscriptionId: "s" });
    expect(decodeAckRelay("not json")).toBeUndefined();
    expect(decodeAckRelay(JSON.stringify({ ids: "a" }))).toBeUndefined();
    expect(decodeAckRelay(JSON.stringify({ ids: ["a", ""] }))).toBeUndefined();
    expect(decodeAckRelay(JSON.stringify({ ids: ["a"], subscriptionId: 3 }))).toBeUndefined();
    expect(decodeAckRelay(JSON.stringify({ ids: Array.from({ length: MAX_RELAYED_IDS + 1 }, (_, i) => `m${i}`) }))).toBeUndefined();
  });

  it("travel on a fixed subject per stream, outside the stream's subjects", () => {
    expect(ackRelaySubject("PRISM_ACK_ANYWHERE")).toBe("_PRISM_ACK.PRISM_ACK_ANYWHERE");
  });
});

describe("nats pattern, JetStream ack through another instance", () => {
  it("an Ack sent to instance B acks a message delivered by instance A: not redelivered, an unacked one is", async () => {
    const viaA = directPubSubCaller(a.pubsub);
    const viaB = directPubSubCaller(b.pubsub);
    const subscriber = await openSubscriber(viaA, "orders", { group: "billing", maxInFlight: 10 });
    try {
      const acked = (await viaA.publish({ topic: "orders", payload: bytes("acked") })).messageId;
      const unacked = (await viaB.publish({ topic: "orders", payload: bytes("unacked") })).messageId;
      await subscriber.waitForIds([acked, unacked]);
      // the subscription is not open on B: B relays the ack to A
      const relayStarted = performance.now();
      expect((await viaB.ack({ subscriptionId: subscriber.subscriptionId, messageIds: [acked] })).acked).toBe(1);
      console.log(`relayed ack of a named subscription: ${(performance.now() - relayStarted).toFixed(1)} ms`);
      expect((await viaB.ack({ subscriptionId: subscriber.subscriptionId, messageIds: [acked] })).acked, "acked again").toBe(0);
      // after several ack waits: the unacked one came back, the acked one did not
      await expect.poll(() => subscriber.messages.filter((m) => m.messageId === unacked).length, patiently).toBeGreaterThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 2 * ACK_WAIT_MS + 500));
      const attemptsOf = (id: string) => subscriber.messages.filter((m) => m.messageId === id).map((m) => m.deliveryAttempt);
      expect(attemptsOf(acked), "the message acked through B").toEqual([1]);
      expect(attemptsOf(unacked).slice(0, 2), "the unacked message").toEqual([1, 2]);
      // now ack the other one through B as well: it stops coming back
      expect((await viaB.ack({ subscriptionId: subscriber.subscriptionId, messageIds: [unacked] })).acked).toBe(1);
      const seen = attemptsOf(unacked).length;
      await new Promise((resolve) => setTimeout(resolve, 2 * ACK_WAIT_MS + 500));
      expect(attemptsOf(unacked).length).toBe(seen);
    } finally {
      await subscriber.close();
    }
  });

  it("an ungrouped subscriber's message can be acked through B too", async () => {
    const sub = await a.pubsub.subscribe(subscription("events"));
    const reader = read(sub);
    const id = await a.pubsub.publish("events", bytes("e"), {});
    await expect.poll(() => reader.messages.length, patiently).toBe(1);
    expect(await b.pubsub.ackByMessageId?.([id])).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2 * ACK_WAIT_MS + 500));
    expect(reader.messages.map((m) => m.deliveryAttempt)).toEqual([1]);
    await sub.close();
  });

  it("with a subscription id, acks only in that subscription", async () => {
    const first = await a.pubsub.subscribe(subscription("shared", "one"));
    const second = await a.pubsub.subscribe(subscription("shared", "two"));
    const readers = [read(first), read(second)];
    const id = await a.pubsub.publish("shared", bytes("s"), {});
    await expect.poll(() => readers.map((r) => r.messages.length), patiently).toEqual([1, 1]);
    const relay = (b.pubsub as NatsPubSub).ackByMessageId;
    expect(await relay?.([id], second.id)).toBe(1);
    expect(await second.ack([id]), "already acked in the second").toBe(0);
    expect(await first.ack([id]), "still pending in the first").toBe(1);
    await first.close();
    await second.close();
  });

  it("ids that are not a delivered message's, or malformed, are not acked", async () => {
    const relay = b.pubsub.ackByMessageId;
    expect(relay).toBeDefined();
    expect(await relay?.([])).toBe(0);
    expect(
      await relay?.([
        "$JS.ACK.PRISM_ACK_ANYWHERE.billing.1.1.1.0.0",
        "no such id",
        "x".repeat(300),
        "0b6f3f6e-7d7e-4c50-9a0e-2f3d0b1c2a3b",
      ]),
    ).toBe(0);
    const viaB = directPubSubCaller(b.pubsub);
    expect((await viaB.ack({ subscriptionId: "unknown", messageIds: ["nope"] })).acked).toBe(0);
  });

  it("core NATS (at-most-once) accepts an ack for a subscription held elsewhere and acks nothing", async () => {
    const core = await startNats({ url: server.url }, "ack-anywhere-core");
    try {
      expect(core.pubsub.ackByMessageId).toBeUndefined();
      const caller = directPubSubCaller(core.pubsub);
      expect((await caller.ack({ subscriptionId: "elsewhere", messageIds: ["m"] })).acked).toBe(0);
    } finally {
      await core.instance.stop?.();
    }
  });
});
