// JetStream ack wait against a real nats-server: a subscriber holding maxInFlight messages unacked
// gets them redelivered after ackWaitMs and keeps receiving new ones, a late ack is sent but not
// counted, and a subscriber that does not read holds its messages back instead of using up their
// deliveries.
import type { PubSubMessage } from "@prism/pattern-sdk";
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { JetStreamSubscription } from "./jetstream-subscription.js";
import { bytes, patiently, read, type StartedNats, startNats, subscription } from "../test/pubsub-test-kit.js";

let server: NatsServer;
let nats: StartedNats;

beforeAll(async () => {
  server = await startNatsServer();
  nats = await startNats({ url: server.url, jetstream: true, ackWaitMs: 1000, maxDeliver: 3 }, "ack-wait");
});

afterAll(async () => {
  await nats?.instance.stop?.();
  await server?.stop();
});

/** The delivery attempts of `id` among `messages`, in order. */
function attempts(messages: PubSubMessage[], id: string): number[] {
  return messages.filter((m) => m.messageId === id).map((m) => m.deliveryAttempt);
}

describe("nats pattern, JetStream ack wait", () => {
  it("redelivers what a member holds unacked past ackWaitMs at maxInFlight, and still delivers later messages", async () => {
    const { pubsub } = nats;
    const sub = await pubsub.subscribe(subscription("jobs", "workers", 2));
    const reader = read(sub);
    const held = [await pubsub.publish("jobs", bytes("a"), {}), await pubsub.publish("jobs", bytes("b"), {})];
    await vi.waitFor(() => {
      for (const id of held) expect(attempts(reader.messages, id).slice(0, 2)).toEqual([1, 2]);
    }, patiently);
    const later = await pubsub.publish("jobs", bytes("c"), {});
    await expect.poll(() => attempts(reader.messages, later), patiently).toEqual([1]);
    expect(await sub.ack([later])).toBe(1);
    // maxDeliver 3: given up after the third delivery; an ack past its ack wait is sent, not counted
    await vi.waitFor(() => {
      for (const id of held) expect(attempts(reader.messages, id)).toEqual([1, 2, 3]);
    }, patiently);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await sub.ack(held)).toBe(0);
    expect((sub as JetStreamSubscription).unacked).toBe(0);
    await sub.close();
  });

  it("holds back the pull while a subscriber does not read, instead of using up deliveries", async () => {
    const { pubsub } = nats;
    const sub = await pubsub.subscribe(subscription("reports", "readers", 2));
    const ids: string[] = [];
    for (const name of ["1", "2", "3"]) ids.push(await pubsub.publish("reports", bytes(name), {}));
    // several ack waits pass with its queue full and unread
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const reader = read(sub, (message) => void sub.ack([message.messageId]));
    await expect.poll(() => new Set(reader.messages.map((m) => m.messageId)), patiently).toEqual(new Set(ids));
    expect(attempts(reader.messages, ids[2]!)).toEqual([1]);
    await sub.close();
  });
});
