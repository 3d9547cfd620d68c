// Stopping a JetStream nats pattern against a real nats-server while its pulls would run for 30 s
// (pullExpiresMs, as long as the test timeout, so a stop that waited for them would fail the test):
// stop ends them at once and logs what it ends and hands back, and the group's next member (on
// another instance) gets what the stopped one held unacked as a redelivery, and nothing it acked.
import type { PubSubMessage, PubSubSubscription } from "@prism/pattern-sdk";
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { JetStreamSubscription } from "./jetstream-subscription.js";
import { durableName } from "./nats-naming.js";
import { bytes, patiently, read, type StartedNats, startNats, subscription } from "../test/pubsub-test-kit.js";

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

/** A JetStream instance of namespace "halt" whose pulls last 30 s; ackWait far beyond the test, so a redelivery seen here comes from a nak. */
function startHalting(): Promise<StartedNats> {
  return startNats({ url: server.url, jetstream: true, ackWaitMs: 120_000, pullExpiresMs: 30_000 }, "halt");
}

/** Waits until each of `subscriptions` has a pull request outstanding. */
async function untilPulling(...subscriptions: PubSubSubscription[]): Promise<void> {
  await expect
    .poll(() => subscriptions.map((sub) => (sub as JetStreamSubscription).pulling), { ...patiently, message: "subscriptions pulling" })
    .toEqual(subscriptions.map(() => true));
}

/** Subscribes a member of `group` to `topic` on a new instance, acking what it reads, until `expected` ([id, attempt]) arrived. */
async function nextMember(topic: string, group: string, expected: [string, number][]): Promise<[string, number][]> {
  const b = await startHalting();
  try {
    const sub = await b.pubsub.subscribe(subscription(topic, group, 8));
    const reader = read(sub, (message) => void sub.ack([message.messageId]));
    const marker = await b.pubsub.publish(topic, bytes("marker"), {});
    const seen = () => reader.messages.map((m): [string, number] => [m.messageId, m.deliveryAttempt]);
    // A message handed out again by mistake (an older nats-server's bug) would come before the marker.
    await vi.waitFor(() => expect(seen()).toEqual(expect.arrayContaining([...expected, [marker, 1]])), patiently);
    return seen().filter(([id]) => id !== marker);
  } finally {
    await b.instance.stop?.();
  }
}

describe("nats pattern, JetStream: stop", () => {
  it("ends pending pulls at once, says so, and the next member gets what an open member held unacked", async () => {
    const a = await startHalting();
    let ids: string[];
    try {
      ids = [await a.pubsub.publish("jobs", bytes("one"), {}), await a.pubsub.publish("jobs", bytes("two"), {})];
      const member = await a.pubsub.subscribe(subscription("jobs", "crew", 8));
      const ungrouped = await a.pubsub.subscribe(subscription("jobs"));
      const iterator = member[Symbol.asyncIterator]();
      const received = [(await iterator.next()).value as PubSubMessage, (await iterator.next()).value as PubSubMessage];
      expect(received.map((m) => [m.messageId, m.deliveryAttempt])).toEqual([
        [ids[0], 1],
        [ids[1], 1],
      ]);
      expect(await member.ack([ids[1]!])).toBe(1);
      await untilPulling(member, ungrouped);
    } finally {
      await a.instance.stop?.();
    }

    expect(a.pubsub.subscriptionCount()).toBe(0);
    const consumer = durableName("crew", "prism.halt.jobs");
    expect(a.logs).toContainEqual(
      expect.objectContaining({
        level: "info",
        msg: "stopping: ending 2 pending JetStream pull(s) now, waiting for the server to drop them, then handing back 1 unacked message(s)",
        subscriptions: 2,
        consumers: expect.arrayContaining([consumer]),
        pullExpiresMs: 30_000,
      }),
    );
    expect(a.logs).toContainEqual(
      expect.objectContaining({ level: "debug", msg: "JetStream pull ended early, the server dropped it", consumer, unacked: 1 }),
    );
    expect(await nextMember("jobs", "crew", [[ids[0]!, 2]])).toEqual([[ids[0], 2]]);
  });

  it("cuts short the hand-back of a member that closed before the stop and still waits for its last pull", async () => {
    const a = await startHalting();
    let held: string;
    try {
      held = await a.pubsub.publish("tasks", bytes("held"), {});
      const member = await a.pubsub.subscribe(subscription("tasks", "crew", 8));
      expect(((await member[Symbol.asyncIterator]().next()).value as PubSubMessage).messageId).toBe(held);
      await untilPulling(member);
      await member.close();
      // it counts until it has handed back what it holds, which waits for its 30 s pull to end
      expect(a.pubsub.subscriptionCount()).toBe(1);
    } finally {
      await a.instance.stop?.();
    }

    expect(a.pubsub.subscriptionCount()).toBe(0);
    expect(a.logs).toContainEqual(
      expect.objectContaining({
        msg: "stopping: ending 1 pending JetStream pull(s) now, waiting for the server to drop them, then handing back 1 unacked message(s)",
        consumers: [durableName("crew", "prism.halt.tasks")],
      }),
    );
    expect(await nextMember("tasks", "crew", [[held, 2]])).toEqual([[held, 2]]);
  });
});
