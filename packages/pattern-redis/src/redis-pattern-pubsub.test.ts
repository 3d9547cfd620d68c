// Tests of the redis pattern's PubSub wiring against a real, private redis-server: pubsub beside
// keyvalue, counters in health, DEGRADED while only the subscriber connection is down (then resubscribed),
// the subscriberBufferSize setting, and stop() ending subscriptions.
import type { PubSubMessage } from "@prism/pattern-sdk";
import { parseConfig } from "@prism/pattern-sdk/host";
import { describe, expect, it } from "vitest";
import { redisPattern } from "./redis-pattern.js";
import { bytes, health, patiently, redisPatternFixture, subscribe } from "../test/redis-pattern-instances.js";

const fixture = redisPatternFixture();
const { instances } = fixture;
const admin = () => fixture.admin;

describe("redisPattern pubsub", () => {
  it("serves at-most-once PubSub beside KeyValue, with counters in health", async () => {
    const pattern = await instances.start("counters");
    expect(pattern.keyvalue).toBeDefined();
    expect(pattern.pubsub.guarantee).toBe("at-most-once");
    const sub = await subscribe(pattern.pubsub, "events");
    const id = await pattern.pubsub.publish("events", bytes("hi"), { k: "v" });
    const iterator = sub[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ topic: "events", messageId: id, metadata: { k: "v" } });
    // Channels live under the namespace key prefix.
    expect(await admin().call("PUBSUB", "NUMSUB", "prism:counters:ps:events")).toEqual(["prism:counters:ps:events", 1]);
    const report = await health(pattern);
    expect(report).toMatchObject({
      status: "HEALTHY",
      details: { subscriberState: "ready", subscriptions: 1, published: 1, dropped: 0 },
    });
  });

  it("applies subscriberBufferSize (default 1024) and reports drops", async () => {
    expect(parseConfig(redisPattern.config, {}).subscriberBufferSize).toBe(1024);
    expect(() => parseConfig(redisPattern.config, { subscriberBufferSize: 0 })).toThrow(/subscriberBufferSize/);
    const pattern = await instances.start("small", { subscriberBufferSize: 2 });
    const idle = await subscribe(pattern.pubsub, "burst");
    for (let i = 0; i < 5; i++) await pattern.pubsub.publish("burst", bytes(`m${i}`), {});
    await expect
      .poll(() => health(pattern), { ...patiently, message: "health after 5 messages to a buffer of 2 nobody reads" })
      .toMatchObject({ details: { dropped: 3, subscriptions: 1, published: 5 } });
    await idle.close();
  });

  it("is DEGRADED while only the subscriber connection is down, and resubscribes when it is back", async () => {
    const pattern = await instances.start("subdown", { reconnectInitialDelayMs: 1000, reconnectMaxDelayMs: 1000 });
    const sub = await subscribe(pattern.pubsub, "beat");
    const clients = String(await admin().call("CLIENT", "LIST"));
    const line = clients.split("\n").find((entry) => entry.includes("name=prism:subdown:subscriber"));
    const clientId = /\bid=(\d+)/.exec(line ?? "")?.[1];
    expect(clientId).toBeDefined();
    await admin().call("CLIENT", "KILL", "ID", clientId!);

    await expect
      .poll(() => health(pattern), { ...patiently, message: "health while only the subscriber connection is down" })
      .toMatchObject({
        status: "DEGRADED",
        message: expect.stringMatching(/subscriber connection/),
        details: { state: "ready", subscriberDisconnectedForMs: expect.any(Number) },
      });

    let received: PubSubMessage | undefined;
    void sub[Symbol.asyncIterator]()
      .next()
      .then((result) => {
        received = result.value;
      });
    await expect
      .poll(
        async () => {
          await pattern.pubsub.publish("beat", bytes("again"), {});
          return received;
        },
        { ...patiently, message: "the message received after publishing again while the subscriber reconnects" },
      )
      .toMatchObject({ topic: "beat" });
    await expect
      .poll(() => health(pattern), { ...patiently, message: "health after the subscriber connection is back" })
      .toMatchObject({ status: "HEALTHY" });
  });

  it("ends subscriptions on stop", async () => {
    const pattern = await instances.start("stopping");
    const sub = await subscribe(pattern.pubsub, "t");
    const ended = sub[Symbol.asyncIterator]().next();
    await pattern.stop?.();
    expect(await ended).toEqual({ value: undefined, done: true });
    expect(pattern.pubsub.subscriptionCount()).toBe(0);
    expect((await health(pattern)).status).toBe("UNHEALTHY");
  });
});
