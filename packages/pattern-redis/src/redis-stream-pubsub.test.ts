// The redis pattern's at-least-once PubSub (Redis Streams, `guarantee: at-least-once`) on a private
// redis-server: the PubSub acceptance suite on one instance, and again with every call going round robin
// over two instances (a group's members, publishes and acks spread over them, as over several proxies);
// plus what the suite does not see: acks through another instance, a crashed member's messages claimed
// after ackWaitMs, and the stream trimmed to streamMaxLength.
import type { PubSubBackend, PubSubMessage } from "@prism/pattern-sdk";
import {
  directPubSubCaller,
  type PubSubCaller,
  pubSubAcceptanceSuite,
  type RedisServer,
  startPatternInstance,
  startRedisServer,
  type StartedPatternInstance,
} from "@prism/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "@prism/pattern-sdk/host";
import { redisPattern } from "./redis-pattern.js";
import { RedisStreamPubSub } from "./redis-stream-pubsub.js";

let redis: RedisServer;
const started: StartedPatternInstance[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const instance of started.splice(0)) await instance.stop();
  await redis?.stop();
});

/** A started at-least-once redis pattern instance for `namespace`. */
async function start(namespace: string, config: Record<string, unknown> = {}): Promise<StartedPatternInstance> {
  const instance = await startPatternInstance(
    redisPattern,
    { url: redis.url, guarantee: "at-least-once", ackWaitMs: 2000, ...config },
    namespace,
  );
  started.push(instance);
  return instance;
}

/** The instance's PubSub backend. */
const pubsubOf = (instance: StartedPatternInstance): PubSubBackend => instance.instance.pubsub!;

/** A caller whose every call goes to the next of `callers`, round robin. */
function roundRobin(callers: PubSubCaller[]): PubSubCaller {
  let next = 0;
  const pick = () => callers[next++ % callers.length] as PubSubCaller;
  return {
    publish: (request, options) => pick().publish(request, options),
    ack: (request, options) => pick().ack(request, options),
    subscribe: (request, options) => pick().subscribe(request, options),
  };
}

pubSubAcceptanceSuite("redis streams (direct)", {
  capabilities: { guarantee: "at-least-once", groups: true, durable: true },
  setup: async () => {
    const pubsub = pubsubOf(await start("streams-acceptance"));
    return { client: directPubSubCaller(pubsub), subscriptionCount: async () => pubsub.subscriptionCount() };
  },
});

pubSubAcceptanceSuite("redis streams (direct, every call round robin over two instances)", {
  capabilities: { guarantee: "at-least-once", groups: true, durable: true },
  setup: async () => {
    const [a, b] = [pubsubOf(await start("streams-two")), pubsubOf(await start("streams-two"))];
    return {
      client: roundRobin([directPubSubCaller(a), directPubSubCaller(b)]),
      subscriptionCount: async () => a.subscriptionCount() + b.subscriptionCount(),
    };
  },
});

/** Subscribes `pubsub` to `topic` (in `group`) and collects what arrives; `stop` ends it. */
async function collect(pubsub: PubSubBackend, topic: string, group: string, maxInFlight = 100) {
  const controller = new AbortController();
  const subscription = await pubsub.subscribe({ topic, group, maxInFlight, signal: controller.signal });
  const messages: PubSubMessage[] = [];
  const reading = (async () => {
    for await (const message of subscription) messages.push(message);
  })();
  return {
    subscription,
    messages,
    texts: () => messages.map((message) => new TextDecoder().decode(message.payload)),
    stop: async () => {
      controller.abort();
      await subscription.close();
      await reading;
    },
  };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("redis streams across instances", () => {
  it("acks through an instance that does not hold the subscription", async () => {
    const [a, b] = [await start("streams-ack"), await start("streams-ack")];
    const member = await collect(pubsubOf(a), "orders", "billing");
    const id = await pubsubOf(b).publish("orders", bytes("one"), {});
    await vi.waitFor(() => expect(member.texts()).toEqual(["one"]));
    expect(await directPubSubCaller(pubsubOf(b)).ack({ subscriptionId: member.subscription.id, messageIds: [id] })).toMatchObject({
      acked: 1,
    });
    expect(await directPubSubCaller(pubsubOf(b)).ack({ subscriptionId: member.subscription.id, messageIds: [id] })).toMatchObject({
      acked: 0,
    });
    expect(await directPubSubCaller(pubsubOf(b)).ack({ subscriptionId: "no-such-subscription", messageIds: [id] })).toMatchObject({
      acked: 0,
    });
    await member.stop();
  });

  it("redelivers what a crashed member held to another member after ackWaitMs, with its delivery attempt", {
    timeout: 30_000,
  }, async () => {
    const instance = await start("streams-crash", { ackWaitMs: 500 });
    const first = await collect(pubsubOf(instance), "jobs", "workers");
    await first.stop(); // the group exists now, with nobody in it
    await pubsubOf(instance).publish("jobs", bytes("job-1"), {});
    // A member on a proxy that then crashed: it read the entry as a consumer of the group and never acked it.
    const admin = new Redis(redis.url);
    try {
      const read = await admin.xreadgroup(
        "GROUP",
        'g:["workers","jobs"]',
        "crashed-member",
        "COUNT",
        10,
        "STREAMS",
        "{prism:streams-crash:stream}",
        ">",
      );
      expect(read?.[0]?.[1]).toHaveLength(1);
    } finally {
      admin.disconnect();
    }
    const survivor = await collect(pubsubOf(instance), "jobs", "workers");
    await vi.waitFor(() => expect(survivor.texts()).toEqual(["job-1"]), { timeout: 10_000 });
    expect(survivor.messages[0]?.deliveryAttempt).toBe(2);
    await survivor.stop();
  });

  it("keeps about streamMaxLength entries", async () => {
    const instance = await start("streams-trim", { streamMaxLength: 1000 });
    for (let index = 0; index < 3000; index++) await pubsubOf(instance).publish("t", bytes(String(index)), {});
    const admin = new Redis(redis.url);
    try {
      const length = await admin.xlen("{prism:streams-trim:stream}");
      expect(length).toBeGreaterThanOrEqual(1000);
      expect(length).toBeLessThan(3000);
    } finally {
      admin.disconnect();
    }
  });
});

describe("redis streams when Redis goes away", () => {
  it("publish is UNAVAILABLE while Redis is down; after a restart that lost the data the subscription goes on", {
    timeout: 30_000,
  }, async () => {
    const own = await startRedisServer();
    const instance = await startPatternInstance(
      redisPattern,
      { url: own.url, guarantee: "at-least-once", ackWaitMs: 1000 },
      "streams-restart",
    );
    try {
      const member = await collect(pubsubOf(instance), "events", "audit");
      await pubsubOf(instance).publish("events", bytes("before"), {});
      await vi.waitFor(() => expect(member.texts()).toEqual(["before"]));
      await own.kill();
      await expect(pubsubOf(instance).publish("events", bytes("lost"), {})).rejects.toMatchObject({ code: 14 });
      await own.restart(); // empty: the stream and its groups are gone
      // The subscription re-creates its group at the stream's end; from then on what is published arrives.
      await vi.waitFor(
        async () => {
          await pubsubOf(instance).publish("events", bytes("after"), {});
          expect(member.texts()).toContain("after");
        },
        { timeout: 15_000, interval: 300 },
      );
      await member.stop();
    } finally {
      await instance.stop();
      await own.stop();
    }
  });
});

describe("redis streams sweep", () => {
  it("removes what crashed instances left: their own groups, and their consumers once they hold nothing", { timeout: 30_000 }, async () => {
    const admin = new Redis(redis.url);
    const client = new Redis(redis.url);
    const key = "{prism:sweep:stream}";
    const shared = 'g:["workers","jobs"]';
    const pubsub = new RedisStreamPubSub({
      client,
      keyPrefix: "prism:sweep:",
      address: "test",
      ackWaitMs: 1000,
      streamMaxLength: 1000,
      pollMs: 20,
      sweepEveryMs: 50,
      logger: createLogger({ level: "error", write: () => undefined }),
    });
    try {
      await admin.xgroup("CREATE", key, "s:crashed-ungrouped", "$", "MKSTREAM");
      await admin.xgroup("CREATE", key, shared, "$");
      await admin.xadd(key, "*", "t", "jobs", "m", "x");
      // Two consumers of crashed proxies: one read an entry and never acked it, one holds nothing.
      await admin.xreadgroup("GROUP", shared, "crashed-holding", "COUNT", 1, "STREAMS", key, ">");
      await admin.xreadgroup("GROUP", shared, "crashed-empty", "COUNT", 1, "STREAMS", key, ">");
      const controller = new AbortController();
      const live = await pubsub.subscribe({ topic: "jobs", group: "workers", maxInFlight: 10, signal: controller.signal });
      const loner = await pubsub.subscribe({ topic: "jobs", group: "", maxInFlight: 10, signal: controller.signal });
      const groupNames = async () => ((await admin.xinfo("GROUPS", key)) as unknown[][]).map((row) => String(row[1])).sort();
      const consumerNames = async () => ((await admin.xinfo("CONSUMERS", key, shared)) as unknown[][]).map((row) => String(row[1])).sort();
      await vi.waitFor(
        async () => {
          expect(await groupNames()).toEqual([shared, loner.group].sort());
          // crashed-holding's entry is claimed by the live member after ackWaitMs; then it goes too.
          expect(await consumerNames()).toEqual([live.id]);
        },
        { timeout: 15_000, interval: 100 },
      );
      controller.abort();
    } finally {
      await pubsub.close();
      client.disconnect();
      admin.disconnect();
    }
  });
});
