// The redis pattern in cluster mode on a real 3-master Redis Cluster: the KeyValue, PubSub and registry
// (NATS messaging, Listen on another instance) acceptance suites, keys spread over every master, a Scan
// across masters page by page (continued by another instance), batches across slots, PubSub across
// nodes and past a dead seed node, CLUSTER INFO health, and the config checks of `cluster`.
import type { KeyValueBackend, PatternInstance, PubSubBackend } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import {
  directKeyValueCaller,
  directPubSubCaller,
  directRegistryCaller,
  keyValueAcceptanceSuite,
  type NatsServer,
  pubSubAcceptanceSuite,
  type RedisCluster,
  registryAcceptanceSuite,
  startNatsServer,
  startRedisCluster,
} from "@prism/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { keySlot } from "./redis-key-slot.js";
import { redisPattern } from "./redis-pattern.js";

const logger = createLogger({ level: "error", write: () => undefined });
let started: Promise<RedisCluster> | undefined;
/** The file's cluster, started on first use. */
const cluster = (): Promise<RedisCluster> => {
  started ??= startRedisCluster({ masters: 3 });
  return started;
};
let natsStarted: Promise<NatsServer> | undefined;
/** The file's NATS server (registry messaging), started on first use. */
const nats = (): Promise<NatsServer> => {
  natsStarted ??= startNatsServer();
  return natsStarted;
};
const instances: PatternInstance[] = [];
const admins: Redis[] = [];

afterAll(async () => {
  for (const instance of instances.splice(0)) await instance.stop?.();
  for (const admin of admins.splice(0)) admin.disconnect();
  await (await started)?.stop();
  await (await natsStarted)?.stop();
}, 30_000);

/** A started cluster-mode instance for `namespace`. */
async function startInstance(namespace: string, overrides: Record<string, unknown> = {}): Promise<PatternInstance> {
  const { urls } = await cluster();
  const config = parseConfig(redisPattern.config, { cluster: urls, commandTimeoutMs: 1000, ...overrides });
  const instance = await redisPattern.create(config, { namespace, logger });
  instances.push(instance);
  await instance.start?.();
  return instance;
}

/** The instance's KeyValue backend. */
function keyvalue(instance: PatternInstance): KeyValueBackend {
  if (!instance.keyvalue) throw new Error("no keyvalue");
  return instance.keyvalue;
}

/** A plain connection to each node of the cluster. */
async function nodeClients(): Promise<Redis[]> {
  const { ports } = await cluster();
  const clients = ports.map((port) => new Redis({ host: "127.0.0.1", port, lazyConnect: true }));
  admins.push(...clients);
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Subscribes `pubsub` to topic "t", runs `publish` once Redis confirmed the subscription, and resolves with the first payload. */
async function firstMessage(pubsub: PubSubBackend, publish: () => Promise<unknown>): Promise<Uint8Array> {
  const controller = new AbortController();
  const subscription = await pubsub.subscribe({ topic: "t", group: "", maxInFlight: 1, signal: controller.signal });
  try {
    await publish();
    for await (const message of subscription) return message.payload;
    throw new Error("the subscription ended without a message");
  } finally {
    controller.abort();
    await subscription.close();
  }
}
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));

keyValueAcceptanceSuite("redis cluster (pattern, 3 masters)", {
  capabilities: { ttl: true, scan: true, batch: true },
  setup: async () => {
    const instance = await startInstance("acceptance");
    return { client: directKeyValueCaller(keyvalue(instance)) };
  },
});

pubSubAcceptanceSuite("redis cluster (pattern, 3 masters)", {
  capabilities: { guarantee: "at-most-once", groups: true, durable: false },
  setup: async () => {
    const pubsub = (await startInstance("pubsub-acceptance", { subscriberBufferSize: 8192 })).pubsub!;
    return { client: directPubSubCaller(pubsub), subscriptionCount: async () => pubsub.subscriptionCount() };
  },
});

pubSubAcceptanceSuite("redis cluster, at-least-once on a stream (pattern, 3 masters, calls alternating over two instances)", {
  capabilities: { guarantee: "at-least-once", groups: true, durable: true },
  setup: async () => {
    const config = { guarantee: "at-least-once", ackWaitMs: 2000 };
    const [a, b] = [(await startInstance("streams", config)).pubsub!, (await startInstance("streams", config)).pubsub!];
    const [viaA, viaB] = [directPubSubCaller(a), directPubSubCaller(b)];
    let next = 0;
    const pick = () => (next++ % 2 === 0 ? viaA : viaB);
    return {
      client: {
        publish: (request, options) => pick().publish(request, options),
        ack: (request, options) => pick().ack(request, options),
        subscribe: (request, options) => pick().subscribe(request, options),
      },
      subscriptionCount: async () => a.subscriptionCount() + b.subscriptionCount(),
    };
  },
});

/** The registry limit of the limited namespace in the registry suite. */
const LIMITED_MAX_IDENTITIES = 5;

registryAcceptanceSuite("redis cluster with NATS messaging (pattern, Listen on another instance)", {
  setup: async () => {
    const messaging = { backend: "nats", url: (await nats()).url };
    const { urls } = await cluster();
    // The listening instance starts at another seed node than the calling one.
    const [main, other, limited] = await Promise.all([
      startInstance("registry-acceptance", { messaging }),
      startInstance("registry-acceptance", { messaging, cluster: [...urls.slice(1), urls[0]] }),
      startInstance("registry-acceptance-limited", { messaging }),
    ]);
    const client = directRegistryCaller(main.registry!);
    const listener = directRegistryCaller(other.registry!);
    return {
      client: { ...client, listen: (request, options) => listener.listen(request, options) },
      listenerCount: async () => other.registry!.messaging.listenerCount(),
      limited: {
        client: directRegistryCaller(limited.registry!, { maxIdentities: LIMITED_MAX_IDENTITIES }),
        maxIdentities: LIMITED_MAX_IDENTITIES,
      },
    };
  },
});

describe("redis pattern on a cluster", () => {
  it("spreads one namespace's keys over every master", { timeout: 30_000 }, async () => {
    const kv = keyvalue(await startInstance("spread"));
    const keys = Array.from({ length: 60 }, (_, index) => `k${index}`);
    await kv.setMany?.(keys.map((key) => ({ key, value: bytes(key), ttlMs: 0 })));
    const perNode = await Promise.all(
      (await nodeClients()).map(async (node) => {
        const found: string[] = [];
        let cursor = "0";
        do {
          const [next, batch] = await node.scan(cursor, "MATCH", "prism:spread:*", "COUNT", 100);
          found.push(...batch);
          cursor = next;
        } while (cursor !== "0");
        return found;
      }),
    );
    for (const found of perNode) expect(found.length).toBeGreaterThan(0);
    expect(perNode.flat().sort()).toEqual(keys.map((key) => `prism:spread:${key}`).sort());
  });

  it("scans every master with one cursor: every key exactly once over several pages, continued by another instance", {
    timeout: 30_000,
  }, async () => {
    const first = keyvalue(await startInstance("scan"));
    const second = keyvalue(await startInstance("scan"));
    const keys = Array.from({ length: 95 }, (_, index) => `user:${String(index).padStart(3, "0")}`);
    await first.setMany?.(keys.map((key) => ({ key, value: bytes(`v-${key}`), ttlMs: 0 })));
    await first.set("other:1", bytes("x"), 0);
    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    do {
      // Alternate instances, as when a client's pages go through different proxies.
      const page = await (pages % 2 === 0 ? first : second).scan({ prefix: "user:", cursor, limit: 7, includeValues: true });
      expect(page.items.length).toBeLessThanOrEqual(7);
      for (const item of page.items) expect(text(item.value)).toBe(`v-${item.key}`);
      seen.push(...page.items.map((item) => item.key));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== "" && pages < 100);
    expect(cursor).toBe("");
    expect(pages).toBeGreaterThanOrEqual(14);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(keys);
  });

  it("rejects a single-server cursor and a cursor of another prefix", { timeout: 30_000 }, async () => {
    const kv = keyvalue(await startInstance("cursor"));
    await kv.setMany?.(Array.from({ length: 20 }, (_, index) => ({ key: `a${index}`, value: bytes("v"), ttlMs: 0 })));
    const page = await kv.scan({ prefix: "a", cursor: "", limit: 2, includeValues: false });
    expect(page.nextCursor).not.toBe("");
    await expect(kv.scan({ prefix: "b", cursor: page.nextCursor, limit: 2, includeValues: false })).rejects.toThrow(/another prefix/);
    const single = Buffer.from(`rd2:${JSON.stringify({ s: "x", c: "0", p: ["a1"] })}`).toString("base64url");
    await expect(kv.scan({ prefix: "a", cursor: single, limit: 2, includeValues: false })).rejects.toThrow(
      /not a redis cluster scan cursor/,
    );
  });

  it("splits batches per slot and answers in request order", { timeout: 30_000 }, async () => {
    const kv = keyvalue(await startInstance("batch"));
    const keys = Array.from({ length: 40 }, (_, index) => `b${index}`);
    await kv.setMany?.(keys.filter((_, index) => index % 2 === 0).map((key) => ({ key, value: bytes(key), ttlMs: 0 })));
    await kv.setMany?.([
      { key: "{tag}1", value: bytes("t1"), ttlMs: 0 },
      { key: "{tag}2", value: bytes("t2"), ttlMs: 60_000 },
    ]);
    const values = await kv.getMany?.([...keys, "{tag}2", "{tag}1"]);
    expect(values?.map(text)).toEqual([...keys.map((key, index) => (index % 2 === 0 ? key : undefined)), "t2", "t1"]);
    const deleted = await kv.deleteMany?.([...keys].reverse());
    expect(deleted).toEqual([...keys].reverse().map((_, index) => (keys.length - 1 - index) % 2 === 0));
  });

  it("computes the slots Redis computes", { timeout: 30_000 }, async () => {
    const [node] = await nodeClients();
    for (const key of ["", "foo", "prism:ns:k1", "prism:ns:{user}:1", "a{}b{c}", "x{{y}}z", "prism:ns:é"]) {
      expect(keySlot(key)).toBe(await node?.cluster("KEYSLOT", key));
    }
  });

  it("reports HEALTHY from CLUSTER INFO, serves PubSub, and serves the registry only with NATS messaging", {
    timeout: 30_000,
  }, async () => {
    const instance = await startInstance("health");
    const report = await instance.health?.();
    expect(report?.status).toBe("HEALTHY");
    expect(report?.details).toMatchObject({ cluster: true, clusterState: "ok", masters: 3, clusterSlotsOk: 16_384 });
    expect(report?.details?.registryMessaging).toMatch(/cluster mode needs messaging.backend nats/);
    expect(instance.pubsub).toBeDefined();
    expect(instance.registry).toBeUndefined();
    const withNats = await startInstance("health-nats", { messaging: { backend: "nats", url: (await nats()).url } });
    expect(withNats.registry).toBeDefined();
  });

  it("delivers a message published through one node to a subscriber on another", { timeout: 30_000 }, async () => {
    const { urls } = await cluster();
    const publisher = (await startInstance("across", { cluster: [urls[0]] })).pubsub!;
    const subscriber = (await startInstance("across", { cluster: [urls[2], urls[1], urls[0]] })).pubsub!;
    const received = await firstMessage(subscriber, () => publisher.publish("t", bytes("hello"), {}));
    expect(text(received)).toBe("hello");
  });

  it("subscribes past a seed node that is down: the subscriber moves on to the next node", { timeout: 30_000 }, async () => {
    const { urls } = await cluster();
    const pubsub = (await startInstance("dead-seed", { cluster: ["redis://127.0.0.1:1", ...urls], reconnectInitialDelayMs: 20 })).pubsub!;
    // Subscribe is UNAVAILABLE while the subscriber connection is between nodes (fail fast); then it works.
    const received = await vi.waitFor(() => firstMessage(pubsub, () => pubsub.publish("t", bytes("still here"), {})), {
      timeout: 10_000,
      interval: 100,
    });
    expect(text(received)).toBe("still here");
  });

  it("is UNAVAILABLE-fast and not UNHEALTHY-at-once when no seed node answers", { timeout: 30_000 }, async () => {
    const instance = await startInstance("down", { cluster: ["redis://127.0.0.1:1"] });
    await expect(keyvalue(instance).get("k")).rejects.toMatchObject({ code: 14 });
    const report = await instance.health?.();
    expect(["DEGRADED", "UNHEALTHY"]).toContain(report?.status);
  });
});

describe("redis pattern on a cluster that loses a master", () => {
  it("reports UNHEALTHY once the cluster says cluster_state:fail", { timeout: 45_000 }, async () => {
    const own = await startRedisCluster({ masters: 3, nodeTimeoutMs: 500 });
    const config = parseConfig(redisPattern.config, { cluster: own.urls, commandTimeoutMs: 500, unhealthyAfterMs: 200 });
    const instance = await redisPattern.create(config, { namespace: "fail", logger });
    try {
      await instance.start?.();
      expect((await instance.health?.())?.status).toBe("HEALTHY");
      await own.kill(2);
      await vi.waitFor(
        async () => {
          const report = await instance.health?.();
          expect(report?.status).toBe("UNHEALTHY");
          expect(report?.message).toMatch(/cluster_state:fail/);
          expect(report?.details).toMatchObject({ clusterState: "fail", clusterSlotsFail: expect.any(Number) });
        },
        { timeout: 20_000, interval: 100 },
      );
      // The dead master's slots are still in the table: Scan fails UNAVAILABLE rather than skip its keys.
      await expect(instance.keyvalue?.scan({ prefix: "", cursor: "", limit: 10, includeValues: false })).rejects.toMatchObject({
        code: 14,
      });
    } finally {
      await instance.stop?.();
      await own.stop();
    }
  });
});

describe("cluster config", () => {
  const create = (input: Record<string, unknown>) =>
    redisPattern.create(parseConfig(redisPattern.config, input), { namespace: "config", logger });

  it("takes exactly one of url and cluster", async () => {
    await expect(create({ url: "redis://127.0.0.1:6379", cluster: ["redis://127.0.0.1:7000"] })).rejects.toThrow(
      /cluster: set either url .* or cluster .*, not both/,
    );
  });

  it("names the bad cluster entry without its password, and refuses a db", async () => {
    await expect(create({ cluster: ["redis://127.0.0.1:7000", "http://u:hunter2@h:1"] })).rejects.toThrow(/^cluster\[1\]: .*\*\*\*@/);
    await expect(create({ cluster: ["redis://u:hunter2@127.0.0.1:7000/2"] })).rejects.toThrow(
      /cluster\[0\]: a Redis Cluster has database 0 only/,
    );
    await expect(create({ cluster: ["redis://127.0.0.1:7000"], db: 3 })).rejects.toThrow(/db: a Redis Cluster has database 0 only/);
  });
});
