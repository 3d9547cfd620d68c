// Unit tests of MemStoreRegistry with an injected clock: register / replace / conflict,
// maxIdentities, TTL expiry (never returned, reclaimed), heartbeat, unregister, and Enumerate
// ordering, pagination, prefix narrowing, totalCount and pagination under concurrent changes.
import { Code, ConnectError, type CompiledFilter, type RegistryMetadata } from "@prism/pattern-sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemStoreRegistry } from "./memstore-registry.js";

const everything: CompiledFilter = { matches: () => true, identityPrefix: "", matchesAll: true };

/** A filter from a predicate, with an optional identity prefix its matches all have. */
function where(matches: (identity: string, metadata: RegistryMetadata) => boolean, identityPrefix = ""): CompiledFilter {
  return { matches, identityPrefix, matchesAll: false };
}

/** A registry on a clock the test moves. */
function registry(start = 1_000_000) {
  const clock = { now: start };
  const store = new MemStoreRegistry({ sweepIntervalMs: 0, now: () => clock.now });
  return { store, clock };
}

function request(
  identity: string,
  ttlMs = 10_000,
  options: { replace?: boolean; maxIdentities?: number; metadata?: RegistryMetadata } = {},
) {
  return {
    identity,
    metadata: options.metadata ?? {},
    ttlMs,
    replace: options.replace ?? false,
    maxIdentities: options.maxIdentities ?? 100_000,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<Code | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

/** Every identity an enumeration returns, page by page with `limit`. */
async function enumerateAll(store: MemStoreRegistry, filter: CompiledFilter, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let after = "";
  for (;;) {
    const page = await store.enumerate({ filter, after, limit, includeMetadata: false });
    seen.push(...page.identities.map((each) => each.identity));
    if (!page.more) return seen;
    after = page.identities.at(-1)!.identity;
  }
}

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("MemStoreRegistry register", () => {
  it("registers, answers times from its clock, and returns the identity with its metadata", async () => {
    const { store } = registry();
    const result = await store.register(request("dev-1", 5000, { metadata: { floor: 2, tags: ["a"] } }));
    expect(result).toEqual({ registeredAtMs: 1_000_000, expiresAtMs: 1_005_000 });
    expect(await store.get("dev-1")).toEqual({
      identity: "dev-1",
      metadata: { floor: 2, tags: ["a"] },
      registeredAtMs: 1_000_000,
      expiresAtMs: 1_005_000,
      ttlMs: 5000,
    });
    expect(await store.get("dev-2")).toBeUndefined();
    expect(store.size()).toBe(1);
  });

  it("refuses a live identity with ALREADY_EXISTS unless replace, which overwrites metadata and times", async () => {
    const { store, clock } = registry();
    await store.register(request("dev-1", 5000, { metadata: { v: 1 } }));
    clock.now += 100;
    expect(await codeOf(store.register(request("dev-1", 5000, { metadata: { v: 2 } })))).toBe(Code.AlreadyExists);
    expect((await store.get("dev-1"))?.metadata).toEqual({ v: 1 });
    const replaced = await store.register(request("dev-1", 7000, { metadata: { v: 3 }, replace: true }));
    expect(replaced).toEqual({ registeredAtMs: 1_000_100, expiresAtMs: 1_007_100 });
    expect(await store.get("dev-1")).toMatchObject({ metadata: { v: 3 }, ttlMs: 7000 });
    expect(store.size()).toBe(1);
  });

  it("registers over an expired identity without replace", async () => {
    const { store, clock } = registry();
    await store.register(request("dev-1", 100, { metadata: { v: 1 } }));
    clock.now += 100;
    await store.register(request("dev-1", 100, { metadata: { v: 2 } }));
    expect((await store.get("dev-1"))?.metadata).toEqual({ v: 2 });
  });

  it("refuses a new identity beyond maxIdentities but replaces an existing one, and expired ones do not count", async () => {
    const { store, clock } = registry();
    await store.register(request("a", 100, { maxIdentities: 2 }));
    await store.register(request("b", 10_000, { maxIdentities: 2 }));
    const error = await store.register(request("c", 10_000, { maxIdentities: 2 })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((error as ConnectError).message).toContain("maxIdentities");
    await store.register(request("b", 10_000, { maxIdentities: 2, replace: true }));
    clock.now += 100; // "a" expires, so "c" fits
    await store.register(request("c", 10_000, { maxIdentities: 2 }));
    expect(await enumerateAll(store, everything, 10)).toEqual(["b", "c"]);
  });
});

describe("MemStoreRegistry expiry", () => {
  it("never returns an identity at or past its expiry, whatever the access", async () => {
    const { store, clock } = registry();
    await store.register(request("gone", 1000, { metadata: { kind: "x" } }));
    await store.register(request("kept", 5000, { metadata: { kind: "x" } }));
    clock.now += 999;
    expect(await store.get("gone")).toBeDefined();
    clock.now += 1;
    expect(await store.get("gone")).toBeUndefined();
    expect(await store.heartbeat("gone", 0)).toBeUndefined();
    expect(await store.unregister("gone")).toBe(false);
    const page = await store.enumerate({
      filter: where((_, metadata) => metadata.kind === "x"),
      after: "",
      limit: 10,
      includeMetadata: true,
    });
    expect(page.identities.map((each) => each.identity)).toEqual(["kept"]);
    expect(page.totalCount).toBe(1);
    expect(store.size()).toBe(1);
  });

  it("does not return expired identities to an enumeration that does not filter", async () => {
    const { store, clock } = registry();
    for (let i = 0; i < 10; i++) await store.register(request(`id-${i}`, i % 2 === 0 ? 100 : 10_000));
    clock.now += 100;
    const page = await store.enumerate({ filter: everything, after: "", limit: 100, includeMetadata: false });
    expect(page.identities.map((each) => each.identity)).toEqual(["id-1", "id-3", "id-5", "id-7", "id-9"]);
    expect(page.totalCount).toBe(5);
  });

  it("reclaims expired identities so memory does not grow with them", async () => {
    const { store, clock } = registry();
    for (let i = 0; i < 3000; i++) await store.register(request(`id-${i}`, 100));
    for (let i = 0; i < 2000; i++) await store.heartbeat(`id-${i}`, 50);
    expect(store.stats().held).toBe(3000);
    clock.now += 100;
    expect(store.sweepExpired()).toBe(3000);
    expect(store.stats()).toEqual({ held: 0, expired: 3000 });
  });

  it("sweeps periodically without any access", async () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ["Date", "setInterval", "clearInterval"] });
    const store = new MemStoreRegistry({ sweepIntervalMs: 500 });
    try {
      await store.register(request("short", 100));
      await store.register(request("long", 60_000));
      vi.advanceTimersByTime(600);
      expect(store.stats()).toEqual({ held: 1, expired: 1 });
    } finally {
      store.close();
    }
  });
});

describe("MemStoreRegistry heartbeat and unregister", () => {
  it("extends by the given TTL, or by the registered TTL for 0, and a renewed identity outlives its first expiry", async () => {
    const { store, clock } = registry();
    await store.register(request("dev", 1000));
    clock.now += 500;
    expect(await store.heartbeat("dev", 3000)).toBe(1_003_500);
    clock.now += 1000; // past the first expiry (1_001_000)
    expect(store.sweepExpired()).toBe(0);
    expect(await store.get("dev")).toMatchObject({ expiresAtMs: 1_003_500, registeredAtMs: 1_000_000, ttlMs: 1000 });
    expect(await store.heartbeat("dev", 0)).toBe(1_002_500);
    expect(await store.heartbeat("nobody", 0)).toBeUndefined();
  });

  it("unregisters once: true for a live identity, false afterwards", async () => {
    const { store } = registry();
    await store.register(request("dev", 1000));
    expect(await store.unregister("dev")).toBe(true);
    expect(await store.unregister("dev")).toBe(false);
    expect(await store.unregister("never")).toBe(false);
    expect(await store.get("dev")).toBeUndefined();
    expect(await enumerateAll(store, everything, 10)).toEqual([]);
  });
});

describe("MemStoreRegistry enumerate", () => {
  it("returns identities in ascending UTF-16 code unit order", async () => {
    const { store } = registry();
    const names = ["b", "a", "Z", "a-2", "a-10", "é", "\u{1F600}", "\uFFFD", "0", "a-1"];
    for (const name of names) await store.register(request(name));
    const expected = [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(await enumerateAll(store, everything, 3)).toEqual(expected);
    expect(
      await enumerateAll(
        store,
        where(() => true),
        4,
      ),
    ).toEqual(expected);
  });

  it("paginates strictly after `after`, with `more` and the total on every page", async () => {
    const { store } = registry();
    for (let i = 0; i < 10; i++) await store.register(request(`id-${i}`));
    const first = await store.enumerate({ filter: everything, after: "", limit: 4, includeMetadata: false });
    expect(first.identities.map((each) => each.identity)).toEqual(["id-0", "id-1", "id-2", "id-3"]);
    expect(first).toMatchObject({ more: true, totalCount: 10 });
    const last = await store.enumerate({ filter: everything, after: "id-7", limit: 4, includeMetadata: false });
    expect(last.identities.map((each) => each.identity)).toEqual(["id-8", "id-9"]);
    expect(last).toMatchObject({ more: false, totalCount: 10 });
    const exact = await store.enumerate({ filter: everything, after: "id-5", limit: 4, includeMetadata: false });
    expect(exact).toMatchObject({ more: false, totalCount: 10 });
    // `after` need not be an identity that exists.
    const between = await store.enumerate({ filter: everything, after: "id-55", limit: 2, includeMetadata: false });
    expect(between.identities.map((each) => each.identity)).toEqual(["id-6", "id-7"]);
  });

  it("counts every match in totalCount, before and after the page", async () => {
    const { store } = registry();
    for (let i = 0; i < 30; i++) await store.register(request(`id-${String(i).padStart(2, "0")}`, 10_000, { metadata: { n: i } }));
    const even = where((_, metadata) => (metadata.n as number) % 2 === 0);
    const page = await store.enumerate({ filter: even, after: "id-10", limit: 2, includeMetadata: false });
    expect(page.identities.map((each) => each.identity)).toEqual(["id-12", "id-14"]);
    expect(page).toMatchObject({ more: true, totalCount: 15 });
    const tail = await store.enumerate({ filter: even, after: "id-26", limit: 2, includeMetadata: false });
    expect(tail.identities.map((each) => each.identity)).toEqual(["id-28"]);
    expect(tail).toMatchObject({ more: false, totalCount: 15 });
    const none = await store.enumerate({ filter: where(() => false), after: "", limit: 2, includeMetadata: false });
    expect(none).toEqual({ identities: [], more: false, totalCount: 0 });
  });

  it("narrows the walk to the filter's identity prefix, wherever `after` is", async () => {
    const { store } = registry();
    for (const name of ["a-1", "dev", "dev-1", "dev-2", "dev-3", "dev.", "devz", "z-1"]) await store.register(request(name));
    const tested: string[] = [];
    const devices = where((identity) => {
      tested.push(identity);
      return identity.startsWith("dev-");
    }, "dev-");
    const all = await store.enumerate({ filter: devices, after: "", limit: 2, includeMetadata: false });
    expect(all.identities.map((each) => each.identity)).toEqual(["dev-1", "dev-2"]);
    expect(all).toMatchObject({ more: true, totalCount: 3 });
    expect(tested).toEqual(["dev-1", "dev-2", "dev-3"]);
    const before = await store.enumerate({ filter: devices, after: "a-1", limit: 5, includeMetadata: false });
    expect(before.identities.map((each) => each.identity)).toEqual(["dev-1", "dev-2", "dev-3"]);
    const inside = await store.enumerate({ filter: devices, after: "dev-1", limit: 5, includeMetadata: false });
    expect(inside.identities.map((each) => each.identity)).toEqual(["dev-2", "dev-3"]);
    expect(inside.totalCount).toBe(3);
    const beyond = await store.enumerate({ filter: devices, after: "dev.", limit: 5, includeMetadata: false });
    expect(beyond).toEqual({ identities: [], more: false, totalCount: 3 });
  });

  it("never returns an identity twice nor skips one that stayed registered while pages are read amid changes", async () => {
    const { store, clock } = registry();
    const next = random(42);
    const name = () => `id-${Math.floor(next() * 100_000)}`;
    const stable = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const identity = name();
      if (stable.has(identity)) continue;
      await store.register(request(identity, 1_000_000));
      stable.add(identity);
    }
    const changing = new Set<string>();
    const filters = [everything, where((identity) => identity.endsWith("7") || identity.endsWith("3"))];
    for (const filter of filters) {
      const seen: string[] = [];
      let after = "";
      for (;;) {
        const page = await store.enumerate({ filter, after, limit: 7, includeMetadata: false });
        seen.push(...page.identities.map((each) => each.identity));
        // Between pages: new identities anywhere, some removed, some expiring, some re-registered.
        for (let i = 0; i < 5; i++) {
          const identity = name();
          if (stable.has(identity) || changing.has(identity)) continue;
          await store.register(request(identity, next() < 0.5 ? 1 : 1_000_000));
          changing.add(identity);
        }
        const victims = [...stable].filter(() => next() < 0.01);
        for (const victim of victims) {
          stable.delete(victim);
          changing.add(victim);
          if (next() < 0.5) await store.unregister(victim);
          else await store.register(request(victim, 1_000_000, { replace: true, metadata: { again: true } }));
        }
        clock.now += 1;
        if (!page.more) break;
        after = page.identities.at(-1)!.identity;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
      const returned = new Set(seen);
      const missing = [...stable].filter((identity) => filter.matches(identity, {}) && !returned.has(identity));
      expect(missing).toEqual([]);
    }
    expect(changing.size).toBeGreaterThan(0);
  });
});
