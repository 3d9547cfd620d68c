// Integration tests of RedisRegistryStore against a real, private redis-server: register / replace /
// conflict / limits, heartbeat and unregister, expiry decided by the Redis clock before any cleanup,
// Enumerate with filters, prefixes, order and pagination under concurrent changes, two instances
// sharing one Redis (the mirror catching up, reloading after a flush or a trimmed change log),
// namespace isolation, and UNAVAILABLE (no hang) while Redis is down.
import { Code, type CompiledFilter, type RegistryMetadata } from "@prism/pattern-sdk";
import { parseConfig } from "@prism/pattern-sdk/host";
import { type RedisServer, startRedisServer } from "@prism/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../test/code-of.js";
import { createRedisClient } from "./redis-client.js";
import { redisConfigSchema } from "./redis-config.js";
import { registryKeys } from "./redis-registry-keys.js";
import { RedisRegistryStore } from "./redis-registry-store.js";

let server: RedisServer;
let admin: Redis;
const clients: Redis[] = [];

/** A store on its own connected client (500 ms command timeout) under `keyPrefix`. */
async function store(keyPrefix: string): Promise<RedisRegistryStore> {
  const { client, address } = createRedisClient(parseConfig(redisConfigSchema, { url: server.url, commandTimeoutMs: 500 }));
  client.on("error", () => undefined);
  clients.push(client);
  await client.connect();
  return new RedisRegistryStore({ client, keyPrefix, address });
}

const all: CompiledFilter = { matches: () => true, identityPrefix: "", matchesAll: true };

/** A filter matching metadata field `name` equal to `value`, optionally bounded to an identity prefix. */
function fieldIs(name: string, value: unknown, identityPrefix = ""): CompiledFilter {
  return {
    matches: (identity, metadata) => identity.startsWith(identityPrefix) && metadata[name] === value,
    identityPrefix,
    matchesAll: false,
  };
}

/** A filter matching identities starting with `prefix`. */
function prefixed(prefix: string): CompiledFilter {
  return { matches: (identity) => identity.startsWith(prefix), identityPrefix: prefix, matchesAll: false };
}

const register = (target: RedisRegistryStore, identity: string, metadata: RegistryMetadata = {}, ttlMs = 60_000, replace = false) =>
  target.register({ identity, metadata, ttlMs, replace, maxIdentities: 100_000 });

/** Every identity of a full pagination with `limit`, asserting pages ascend. */
async function enumerateAll(target: RedisRegistryStore, filter: CompiledFilter, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let after = "";
  for (;;) {
    const page = await target.enumerate({ filter, after, limit, includeMetadata: false });
    expect(page.identities.length).toBeLessThanOrEqual(limit);
    seen.push(...page.identities.map((each) => each.identity));
    const last = page.identities.at(-1);
    if (!page.more || last === undefined) return seen;
    after = last.identity;
  }
}

/** Resolves once the local clock (the same machine's as Redis's) is past `atMs`. */
async function until(atMs: number): Promise<void> {
  while (Date.now() <= atMs) await new Promise((resolve) => setTimeout(resolve, Math.max(1, atMs - Date.now() + 1)));
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = createRedisClient(parseConfig(redisConfigSchema, { url: server.url, reconnectMaxDelayMs: 100 })).client;
  admin.on("error", () => undefined);
  await admin.connect();
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  admin?.disconnect();
  await server?.stop();
});

describe("RedisRegistryStore", () => {
  it("registers, conflicts without replace, replaces, and gets with typed metadata", async () => {
    const registry = await store("prism:basic:");
    const metadata = { type: "sensor", floor: 2.5, online: true, tags: ["temp", "hum"] };
    const result = await register(registry, "dev-1", metadata, 10_000);
    expect(result.expiresAtMs - result.registeredAtMs).toBe(10_000);
    expect(await registry.get("dev-1")).toEqual({ identity: "dev-1", metadata, ...result, ttlMs: 10_000 });
    expect(await codeOf(register(registry, "dev-1", {}))).toBe(Code.AlreadyExists);
    const replaced = await register(registry, "dev-1", { type: "actuator" }, 5000, true);
    expect(await registry.get("dev-1")).toEqual({ identity: "dev-1", metadata: { type: "actuator" }, ...replaced, ttlMs: 5000 });
    expect(await registry.get("nobody")).toBeUndefined();
    // Stored under the namespace prefix.
    expect(await admin.hexists("prism:basic:registry:data", "dev-1")).toBe(1);
  });

  it("keeps at most maxIdentities live, counting neither expired ones nor a replace", async () => {
    const registry = await store("prism:limit:");
    const limited = (identity: string, ttlMs = 60_000, replace = false) =>
      registry.register({ identity, metadata: {}, ttlMs, replace, maxIdentities: 2 });
    const short = await limited("a", 100);
    await limited("b");
    expect(await codeOf(limited("c"))).toBe(Code.ResourceExhausted);
    expect(await codeOf(limited("b", 60_000, true))).toBeUndefined();
    await until(short.expiresAtMs);
    expect(await codeOf(limited("c"))).toBeUndefined();
    expect(await registry.size()).toBe(2);
  });

  it("heartbeats by a given TTL or the registered one, and unregisters idempotently", async () => {
    const registry = await store("prism:beat:");
    await register(registry, "dev", {}, 30_000);
    const longer = await registry.heartbeat("dev", 90_000);
    expect(longer).toBeDefined();
    expect((await registry.get("dev"))?.expiresAtMs).toBe(longer);
    const renewed = await registry.heartbeat("dev", 0);
    expect(renewed).toBeLessThan(longer as number);
    // The registered TTL stays what it was.
    expect((await registry.get("dev"))?.ttlMs).toBe(30_000);
    expect(await registry.heartbeat("ghost", 0)).toBeUndefined();
    expect(await registry.unregister("dev")).toBe(true);
    expect(await registry.unregister("dev")).toBe(false);
    expect(await registry.heartbeat("dev", 0)).toBeUndefined();
  });

  it("never returns an expired identity, before any cleanup removed it", async () => {
    const registry = await store("prism:expiry:");
    const other = await store("prism:expiry:");
    await register(registry, "stays", { kind: "x" });
    const { expiresAtMs } = await register(registry, "fades", { kind: "x" }, 150);
    expect((await other.enumerate({ filter: all, after: "", limit: 10, includeMetadata: true })).totalCount).toBe(2);
    await until(expiresAtMs);
    // Still stored: nothing cleaned it up yet.
    expect(await admin.hexists("prism:expiry:registry:data", "fades")).toBe(1);
    expect(await registry.get("fades")).toBeUndefined();
    expect(await registry.size()).toBe(1);
    for (const reader of [registry, other]) {
      const page = await reader.enumerate({ filter: fieldIs("kind", "x"), after: "", limit: 10, includeMetadata: true });
      expect(page.identities.map((each) => each.identity)).toEqual(["stays"]);
      expect(page.totalCount).toBe(1);
    }
    expect(await registry.heartbeat("fades", 0)).toBeUndefined();
    expect(await codeOf(register(registry, "fades", {}))).toBeUndefined();
  });

  it("removes expired identities in the background once an Enumerate skipped them", async () => {
    const registry = await store("prism:cleanup:");
    let last = 0;
    for (let i = 0; i < 20; i++) last = (await register(registry, `old-${i}`, {}, 100)).expiresAtMs;
    await register(registry, "new", {});
    await until(last);
    expect((await registry.enumerate({ filter: all, after: "", limit: 100, includeMetadata: false })).totalCount).toBe(1);
    await expect.poll(() => admin.hlen("prism:cleanup:registry:data"), { timeout: 10_000, interval: 20 }).toBe(1);
    expect(await admin.zcard("prism:cleanup:registry:expiry")).toBe(1);
  });

  it("enumerates matches in UTF-16 order with after, limit, more and totalCount", async () => {
    const registry = await store("prism:order:");
    const names = ["b", "a", "é", "z", "\u{1F600}", "\uFFFF", "A", "a-1", "a*", "a?b", "a[1]"];
    for (const [index, name] of names.entries()) await register(registry, name, { even: index % 2 === 0 });
    const sorted = [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(await enumerateAll(registry, all, 3)).toEqual(sorted);
    const even = sorted.filter((name) => names.indexOf(name) % 2 === 0);
    const first = await registry.enumerate({ filter: fieldIs("even", true), after: "", limit: 2, includeMetadata: true });
    expect(first).toMatchObject({ more: true, totalCount: even.length });
    expect(first.identities.map((each) => each.identity)).toEqual(even.slice(0, 2));
    expect(first.identities[0]?.metadata).toEqual({ even: true });
    expect(await enumerateAll(registry, fieldIs("even", true), 2)).toEqual(even);
    // Glob characters in an identity prefix are literal.
    expect(await enumerateAll(registry, prefixed("a*"), 10)).toEqual(["a*"]);
    expect(await enumerateAll(registry, prefixed("a"), 10)).toEqual(["a", "a*", "a-1", "a?b", "a[1]"]);
    expect(await enumerateAll(registry, prefixed("nothing"), 10)).toEqual([]);
    const last = await registry.enumerate({ filter: all, after: "\uFFFF", limit: 5, includeMetadata: false });
    expect(last).toMatchObject({ identities: [], more: false, totalCount: names.length });
  });

  it("paginates under concurrent changes: none twice, none skipped that stayed registered", async () => {
    const registry = await store("prism:churn:");
    const writer = await store("prism:churn:");
    const initial = Array.from({ length: 300 }, (_, i) => `id-${String((i * 7) % 300).padStart(3, "0")}`);
    for (const identity of initial) await register(writer, identity, { group: Number(identity.slice(3)) % 3 });
    const removed = new Set<string>();
    const seen: string[] = [];
    let after = "";
    for (let step = 0; ; step++) {
      const page = await registry.enumerate({ filter: all, after, limit: 17, includeMetadata: false });
      seen.push(...page.identities.map((each) => each.identity));
      const last = page.identities.at(-1);
      if (!page.more || last === undefined) break;
      after = last.identity;
      // Between pages: new identities before and after the cursor, removals, heartbeats, replaces.
      await register(writer, `id-${String(step).padStart(3, "0")}-new`, {});
      await register(writer, `zz-${step}`, {});
      const victim = initial[(step * 37) % initial.length] as string;
      if (await writer.unregister(victim)) removed.add(victim);
      await writer.heartbeat(initial[(step * 11) % initial.length] as string, 0);
      await register(writer, initial[(step * 13) % initial.length] as string, { replaced: true }, 60_000, true);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    const stayed = initial.filter((identity) => !removed.has(identity));
    for (const identity of stayed) expect(seen).toContain(identity);
  });

  it("shares one Redis between instances: each sees the other's writes at once, and reloads after a flush or a trimmed log", async () => {
    const one = await store("prism:shared:");
    const two = await store("prism:shared:");
    await register(one, "x", { n: 1 });
    expect((await two.enumerate({ filter: all, after: "", limit: 10, includeMetadata: true })).identities).toMatchObject([
      { identity: "x", metadata: { n: 1 } },
    ]);
    // More changes than one incremental refresh fetches: the mirror reloads.
    const many = Array.from({ length: 2100 }, (_, i) => `m-${i}`);
    await Promise.all(many.map((identity) => register(one, identity, { n: 2 })));
    await one.unregister("x");
    expect(await two.enumerate({ filter: fieldIs("n", 2), after: "", limit: 1, includeMetadata: false })).toMatchObject({
      totalCount: 2100,
      more: true,
    });
    expect((await two.enumerate({ filter: fieldIs("n", 1), after: "", limit: 1, includeMetadata: false })).totalCount).toBe(0);
    // A change log trimmed past what the mirror saw: it reloads.
    await register(one, "y", { n: 1 });
    await admin.zrem("prism:shared:registry:changes", "y");
    await admin.hset("prism:shared:registry:meta", "trimmed", (await admin.hget("prism:shared:registry:meta", "seq")) ?? "0");
    expect((await two.enumerate({ filter: fieldIs("n", 1), after: "", limit: 10, includeMetadata: false })).identities).toMatchObject([
      { identity: "y" },
    ]);
    // Redis lost everything (another epoch): nothing stale survives in a mirror.
    await admin.del(...registryKeys("prism:shared:"));
    expect((await two.enumerate({ filter: all, after: "", limit: 10, includeMetadata: false })).totalCount).toBe(0);
    await register(one, "z", {});
    expect(await enumerateAll(two, all, 10)).toEqual(["z"]);
    expect(await enumerateAll(one, all, 10)).toEqual(["z"]);
  });

  it("isolates namespaces by key prefix", async () => {
    const left = await store("prism:left:");
    const right = await store("prism:right:");
    await register(left, "same", { side: "left" });
    await register(right, "same", { side: "right" });
    expect((await left.get("same"))?.metadata).toEqual({ side: "left" });
    expect(await enumerateAll(right, fieldIs("side", "left"), 10)).toEqual([]);
    expect(await right.unregister("same")).toBe(true);
    expect(await left.get("same")).toBeDefined();
  });

  it("fails UNAVAILABLE, without hanging, while Redis is down, and works again after", async () => {
    const registry = await store("prism:down:");
    await register(registry, "dev", {});
    await server.kill();
    try {
      const calls = [
        register(registry, "other", {}),
        registry.heartbeat("dev", 0),
        registry.unregister("dev"),
        registry.get("dev"),
        registry.enumerate({ filter: all, after: "", limit: 10, includeMetadata: false }),
        registry.size(),
      ];
      for (const call of calls) expect(await codeOf(call)).toBe(Code.Unavailable);
    } finally {
      await server.restart();
    }
    await expect.poll(() => codeOf(register(registry, "after", {})), { timeout: 15_000, interval: 50 }).toBeUndefined();
    // The restarted Redis has no data: the mirror does not serve the old "dev".
    expect(await enumerateAll(registry, all, 10)).toEqual(["after"]);
  });
});
