// Integration tests of the redis pattern's registry messaging on a real, private redis-server and
// nats-server: two pattern instances sharing one Redis (listener on one, multicast from the other) with
// Redis pub/sub and with NATS messaging, outcome per target (DELIVERED, NOT_LISTENING, TIMEOUT, FAILED),
// the inbox subscriptions on the shared subscriber connection, Redis or NATS killed mid-run (FAILED /
// UNAVAILABLE at once, recovery after a restart), config, health and stop.
import { Code, type PatternInstance, type RegistryBackend, type RegistryDelivery, type RegistryListener } from "@prism/pattern-sdk";
import { parseConfig } from "@prism/pattern-sdk/host";
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../test/code-of.js";
import { bytes, health, patiently, redisPatternFixture } from "../test/redis-pattern-instances.js";
import { redisPattern } from "./redis-pattern.js";

const fixture = redisPatternFixture();
const { instances } = fixture;
const admin = () => fixture.admin;
let nats: NatsServer;

beforeAll(async () => {
  nats = await startNatsServer();
});

afterAll(async () => {
  await nats?.stop();
});

/** A started instance's registry slots. */
async function registryOf(
  namespace: string,
  overrides: Record<string, unknown> = {},
): Promise<PatternInstance & { registry: RegistryBackend }> {
  const instance = await instances.start(namespace, overrides);
  if (!instance.registry) throw new Error("the redis pattern serves no registry");
  return { ...instance, registry: instance.registry };
}

const viaNats = () => ({ messaging: { backend: "nats", url: nats.url, reconnectWaitMs: 100 } });

let sequence = 0;

/** A delivery with `text` as payload. */
function delivery(text: string): RegistryDelivery {
  sequence++;
  return {
    payload: bytes(text),
    contentType: "text/plain",
    metadata: { n: String(sequence) },
    messageId: `m-${sequence}`,
    sentAtMs: Date.now(),
  };
}

/** Registers `identity` and opens a listener on it. */
async function listening(backend: RegistryBackend, identity: string, signal = new AbortController().signal): Promise<RegistryListener> {
  await backend.store.register({ identity, metadata: {}, ttlMs: 60_000, replace: true, maxIdentities: 1000 });
  return await backend.messaging.listen(identity, signal);
}

/** The next delivery of `listener`. */
async function next(listener: RegistryListener): Promise<RegistryDelivery | undefined> {
  return (await listener[Symbol.asyncIterator]().next()).value as RegistryDelivery | undefined;
}

/** Subscribers of `channel` on the server. */
async function subscribers(channel: string): Promise<number> {
  const reply = (await admin().call("PUBSUB", "NUMSUB", channel)) as [string, number];
  return reply[1];
}

describe("redis registry messaging (Redis pub/sub)", () => {
  it("delivers a multicast from one instance to a listener on another sharing the Redis", async () => {
    const one = await registryOf("fleet");
    const two = await registryOf("fleet");
    const listener = await listening(one.registry, "dev-1");
    expect(await subscribers("prism:fleet:registry:inbox:dev-1")).toBe(1);
    const sent = delivery("reboot");
    expect(await two.registry.messaging.deliver(["dev-1", "dev-2"], sent, 2000)).toEqual([
      { status: "DELIVERED" },
      { status: "NOT_LISTENING" },
    ]);
    expect(await next(listener)).toEqual(sent);
    // The instance holding the listener reaches it the same way.
    const again = delivery("again");
    expect(await one.registry.messaging.deliver(["dev-1"], again, 2000)).toEqual([{ status: "DELIVERED" }]);
    expect(await next(listener)).toEqual(again);
    expect(one.registry.messaging.listenerCount()).toBe(1);
    await listener.close();
    expect(one.registry.messaging.listenerCount()).toBe(0);
    await expect.poll(() => subscribers("prism:fleet:registry:inbox:dev-1"), patiently).toBe(0);
    expect(await two.registry.messaging.deliver(["dev-1"], delivery("gone"), 2000)).toEqual([{ status: "NOT_LISTENING" }]);
  });

  it("fans out to every listener of an identity, shares the subscriber connection with PubSub, and isolates namespaces", async () => {
    const pattern = await registryOf("shared");
    const other = await registryOf("elsewhere");
    const first = await listening(pattern.registry, "dev");
    const second = await pattern.registry.messaging.listen("dev", new AbortController().signal);
    await pattern.pubsub?.subscribe({ topic: "t", group: "", maxInFlight: 1, signal: new AbortController().signal });
    const names = String(await admin().call("CLIENT", "LIST"))
      .split("\n")
      .map((line) => /\bname=(\S*)/.exec(line)?.[1] ?? "")
      .filter((name) => name.startsWith("prism:shared"));
    expect(names.sort()).toEqual(["prism:shared", "prism:shared:subscriber"]);
    expect(await subscribers("prism:shared:registry:inbox:dev")).toBe(1);
    const sent = delivery("both");
    expect(await other.registry.messaging.deliver(["dev"], sent, 2000)).toEqual([{ status: "NOT_LISTENING" }]);
    expect(await pattern.registry.messaging.deliver(["dev"], sent, 2000)).toEqual([{ status: "DELIVERED" }]);
    expect(await next(first)).toEqual(sent);
    expect(await next(second)).toEqual(sent);
    expect(await health(pattern)).toMatchObject({ status: "HEALTHY", details: { registryMessaging: "redis", registryInboxes: 1 } });
  });

  it("ends a listener when its signal aborts", async () => {
    const pattern = await registryOf("abort");
    const controller = new AbortController();
    const listener = await listening(pattern.registry, "dev", controller.signal);
    const ended = listener[Symbol.asyncIterator]().next();
    controller.abort();
    expect(await ended).toEqual({ done: true, value: undefined });
    expect(pattern.registry.messaging.listenerCount()).toBe(0);
  });

  it("answers TIMEOUT when Redis does not reply in time", async () => {
    const pattern = await registryOf("slow");
    await admin().call("CLIENT", "PAUSE", "600", "ALL");
    try {
      expect(await pattern.registry.messaging.deliver(["a", "b"], delivery("late"), 100)).toEqual([
        { status: "TIMEOUT" },
        { status: "TIMEOUT" },
      ]);
    } finally {
      await admin().call("CLIENT", "UNPAUSE");
    }
  });

  it("fails FAILED / UNAVAILABLE at once while Redis is down, and delivers again to a kept listener after it is back", async () => {
    const one = await registryOf("outage", { reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 100 });
    const two = await registryOf("outage", { reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 100 });
    const listener = await listening(one.registry, "dev");
    await fixture.server.kill();
    try {
      const outcomes = await two.registry.messaging.deliver(["dev", "other"], delivery("lost"), 5000);
      expect(outcomes).toEqual([
        { status: "FAILED", message: expect.stringMatching(/redis at 127\.0\.0\.1:\d+ is unavailable/) },
        { status: "FAILED", message: expect.stringMatching(/unavailable/) },
      ]);
      expect(await codeOf(one.registry.messaging.listen("fresh", new AbortController().signal))).toBe(Code.Unavailable);
      expect(await codeOf(one.registry.store.get("dev"))).toBe(Code.Unavailable);
    } finally {
      await fixture.server.restart();
    }
    // The listener was kept; its inbox is subscribed again after the reconnect.
    const back = delivery("back");
    await expect
      .poll(async () => (await two.registry.messaging.deliver(["dev"], back, 1000))[0], patiently)
      .toEqual({ status: "DELIVERED" });
    expect(await next(listener)).toEqual(back);
  });

  it("stops: listeners end, Listen is UNAVAILABLE, multicasts FAIL", async () => {
    const pattern = await registryOf("stopping");
    const listener = await listening(pattern.registry, "dev");
    const ended = listener[Symbol.asyncIterator]().next();
    await pattern.stop?.();
    expect(await ended).toEqual({ done: true, value: undefined });
    expect(await codeOf(pattern.registry.messaging.listen("dev", new AbortController().signal))).toBe(Code.Unavailable);
    expect((await pattern.registry.messaging.deliver(["dev"], delivery("x"), 500))[0]?.status).toBe("FAILED");
  });
});

describe("redis registry messaging (NATS)", () => {
  it("delivers a multicast from one instance to a listener on another over NATS", async () => {
    const one = await registryOf("natsfleet", viaNats());
    const two = await registryOf("natsfleet", viaNats());
    const listener = await listening(one.registry, "dev/1 é");
    const sent = delivery("reboot");
    expect(await two.registry.messaging.deliver(["dev/1 é", "dev-2"], sent, 2000)).toEqual([
      { status: "DELIVERED" },
      { status: "NOT_LISTENING" },
    ]);
    expect(await next(listener)).toEqual(sent);
    // Nothing travels over Redis pub/sub, and no subscriber connection is opened.
    expect(await subscribers("prism:natsfleet:registry:inbox:dev/1 é")).toBe(0);
    expect(await health(one)).toMatchObject({
      status: "HEALTHY",
      details: { registryMessaging: "nats", registryMessagingState: "connected", subscriberState: "not open" },
    });
    await listener.close();
    await expect
      .poll(async () => (await two.registry.messaging.deliver(["dev/1 é"], delivery("gone"), 1000))[0], patiently)
      .toEqual({
        status: "NOT_LISTENING",
      });
  });

  it("answers TIMEOUT when a responder never answers", async () => {
    const pattern = await registryOf("natsslow", viaNats());
    const { NatsRegistryMessaging } = await import("./nats-registry-messaging.js");
    const messaging = pattern.registry.messaging as InstanceType<typeof NatsRegistryMessaging>;
    const mute = await connect({ servers: nats.url });
    try {
      mute.subscribe(messaging.subject("mute"), { callback: () => undefined });
      await mute.flush();
      expect(await messaging.deliver(["mute"], delivery("late"), 150)).toEqual([{ status: "TIMEOUT" }]);
    } finally {
      await mute.close();
    }
  });

  it("fails FAILED / UNAVAILABLE while NATS is down, is DEGRADED, and delivers again after it is back", async () => {
    const one = await registryOf("natsoutage", viaNats());
    const two = await registryOf("natsoutage", viaNats());
    const listener = await listening(one.registry, "dev");
    await nats.kill();
    try {
      await expect
        .poll(async () => (await two.registry.messaging.deliver(["dev"], delivery("lost"), 500))[0], patiently)
        .toEqual({
          status: "FAILED",
          message: expect.stringMatching(/NATS at nats:\/\/127\.0\.0\.1:\d+ is unavailable/),
        });
      expect(await codeOf(one.registry.messaging.listen("fresh", new AbortController().signal))).toBe(Code.Unavailable);
      expect(await health(one)).toMatchObject({
        status: "DEGRADED",
        message: expect.stringMatching(/registry messaging connection to NATS/),
      });
      // The store is in Redis and unaffected.
      expect(await one.registry.store.get("dev")).toBeDefined();
    } finally {
      await nats.restart();
    }
    const back = delivery("back");
    await expect
      .poll(async () => (await two.registry.messaging.deliver(["dev"], back, 1000))[0], patiently)
      .toEqual({ status: "DELIVERED" });
    expect(await next(listener)).toEqual(back);
  });

  it("starts while NATS is unreachable and connects in the background; stop releases the connection", async () => {
    const port = nats.port;
    await nats.kill();
    let pattern: PatternInstance & { registry: RegistryBackend };
    try {
      pattern = await registryOf("natslate", { messaging: { backend: "nats", url: `nats://127.0.0.1:${port}`, reconnectWaitMs: 50 } });
      expect(await health(pattern)).toMatchObject({ status: "DEGRADED" });
      expect((await pattern.registry.messaging.deliver(["x"], delivery("x"), 500))[0]?.status).toBe("FAILED");
    } finally {
      await nats.restart();
    }
    await expect.poll(async () => (await health(pattern)).status, patiently).toBe("HEALTHY");
    const listener = await listening(pattern.registry, "dev");
    const ended = listener[Symbol.asyncIterator]().next();
    await pattern.stop?.();
    expect(await ended).toEqual({ done: true, value: undefined });
    expect((await pattern.registry.messaging.deliver(["dev"], delivery("x"), 500))[0]?.status).toBe("FAILED");
  });
});

describe("redis pattern messaging config", () => {
  it("defaults to Redis pub/sub and rejects unknown fields and backends", () => {
    expect(parseConfig(redisPattern.config, {}).messaging).toEqual({
      backend: "redis",
      url: "nats://127.0.0.1:4222",
      subjectPrefix: "",
      reconnectWaitMs: 1000,
    });
    expect(() => parseConfig(redisPattern.config, { messaging: { backend: "nats", bogus: 1 } })).toThrow(/messaging\.bogus/);
    expect(() => parseConfig(redisPattern.config, { messaging: { backend: "kafka" } })).toThrow(/messaging\.backend/);
  });
});
