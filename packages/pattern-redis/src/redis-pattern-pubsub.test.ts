// Tests of the redis pattern's PubSub wiring against a real, private redis-server: pubsub beside
// keyvalue, counters in health, DEGRADED while only the subscriber connection is down (then resubscribed),
// the subscriberBufferSize setting, and stop() ending subscriptions.
import type { HealthReport, PatternInstance, PubSubBackend, PubSubMessage } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { type RedisServer, startRedisServer } from "@prism/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "./redis-client.js";
import { redisPattern } from "./redis-pattern.js";

let server: RedisServer;
let admin: Redis;
const instances: PatternInstance[] = [];
const logger = createLogger({ level: "error", write: () => undefined });
const bytes = (value: string) => new TextEncoder().encode(value);
/** How long to wait for a reconnect or a health change, and how often to look. */
const eventually = { timeout: 15_000, interval: 20 };

async function started(namespace: string, overrides: Record<string, unknown> = {}): Promise<PatternInstance & { pubsub: PubSubBackend }> {
  const config = parseConfig(redisPattern.config, { url: server.url, commandTimeoutMs: 500, ...overrides });
  const created = await redisPattern.create(config, { namespace, logger });
  instances.push(created);
  await created.start?.();
  const { pubsub } = created;
  if (!pubsub) throw new Error("the redis pattern serves no pubsub");
  return { ...created, pubsub };
}

async function health(pattern: PatternInstance): Promise<HealthReport> {
  const report = await pattern.health?.();
  if (!report) throw new Error("the redis pattern reports no health");
  return report;
}

function subscribe(pubsub: PubSubBackend, topic: string) {
  return pubsub.subscribe({ topic, group: "", maxInFlight: 1, signal: new AbortController().signal });
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = createRedisClient(parseConfig(redisPattern.config, { url: server.url })).client;
  await admin.connect();
});

afterAll(async () => {
  for (const created of instances) await created.stop?.();
  admin?.disconnect();
  await server?.stop();
});

describe("redisPattern pubsub", () => {
  it("serves at-most-once PubSub beside KeyValue, with counters in health", async () => {
    const pattern = await started("counters");
    expect(pattern.keyvalue).toBeDefined();
    expect(pattern.pubsub.guarantee).toBe("at-most-once");
    const sub = await subscribe(pattern.pubsub, "events");
    const id = await pattern.pubsub.publish("events", bytes("hi"), { k: "v" });
    const iterator = sub[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ topic: "events", messageId: id, metadata: { k: "v" } });
    // Channels live under the namespace key prefix.
    expect(await admin.call("PUBSUB", "NUMSUB", "prism:counters:ps:events")).toEqual(["prism:counters:ps:events", 1]);
    const report = await health(pattern);
    expect(report).toMatchObject({
      status: "HEALTHY",
      details: { subscriberState: "ready", subscriptions: 1, published: 1, dropped: 0 },
    });
  });

  it("applies subscriberBufferSize (default 1024) and reports drops", async () => {
    expect(parseConfig(redisPattern.config, {}).subscriberBufferSize).toBe(1024);
    expect(() => parseConfig(redisPattern.config, { subscriberBufferSize: 0 })).toThrow(/subscriberBufferSize/);
    const pattern = await started("small", { subscriberBufferSize: 2 });
    const idle = await subscribe(pattern.pubsub, "burst");
    for (let i = 0; i < 5; i++) await pattern.pubsub.publish("burst", bytes(`m${i}`), {});
    await expect
      .poll(() => health(pattern), { ...eventually, message: "health after 5 messages to a buffer of 2 nobody reads" })
      .toMatchObject({ details: { dropped: 3, subscriptions: 1, published: 5 } });
    await idle.close();
  });

  it("is DEGRADED while only the subscriber connection is down, and resubscribes when it is back", async () => {
    const pattern = await started("subdown", { reconnectInitialDelayMs: 1000, reconnectMaxDelayMs: 1000 });
    const sub = await subscribe(pattern.pubsub, "beat");
    const clients = String(await admin.call("CLIENT", "LIST"));
    const line = clients.split("\n").find((entry) => entry.includes("name=prism:subdown:subscriber"));
    const clientId = /\bid=(\d+)/.exec(line ?? "")?.[1];
    expect(clientId).toBeDefined();
    await admin.call("CLIENT", "KILL", "ID", clientId!);

    await expect
      .poll(() => health(pattern), { ...eventually, message: "health while only the subscriber connection is down" })
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
        { ...eventually, message: "the message received after publishing again while the subscriber reconnects" },
      )
      .toMatchObject({ topic: "beat" });
    await expect
      .poll(() => health(pattern), { ...eventually, message: "health after the subscriber connection is back" })
      .toMatchObject({ status: "HEALTHY" });
  });

  it("ends subscriptions on stop", async () => {
    const pattern = await started("stopping");
    const sub = await subscribe(pattern.pubsub, "t");
    const ended = sub[Symbol.asyncIterator]().next();
    await pattern.stop?.();
    expect(await ended).toEqual({ value: undefined, done: true });
    expect(pattern.pubsub.subscriptionCount()).toBe(0);
    expect((await health(pattern)).status).toBe("UNHEALTHY");
  });
});
