// Unit tests of MemStoreKeyValue: values, TTL with an injected clock, capacity and LRU eviction,
// memory limit, literal prefix scan and cursor pagination under concurrent writes.
import { Code, ConnectError } from "@prism/pattern-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { MemStoreKeyValue, type MemStoreKeyValueOptions } from "./memstore-keyvalue.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));

const stores: MemStoreKeyValue[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A store with a manual clock (`clock.now`), no sweeper timer, and no limits unless given. */
function makeStore(options: Partial<MemStoreKeyValueOptions> = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemStoreKeyValue({
    capacity: 0,
    eviction: "lru",
    maxMemoryBytes: 0,
    sweepIntervalMs: 0,
    now: () => clock.now,
    ...options,
  });
  stores.push(store);
  return { store, clock };
}

function expectCode(action: () => unknown, code: Code): ConnectError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(code);
    return error as ConnectError;
  }
  throw new Error("expected a ConnectError");
}

/** Reads every page of a scan, calling `between` after each page. */
function scanAll(store: MemStoreKeyValue, prefix: string, limit: number, between?: (page: number) => void): string[] {
  const keys: string[] = [];
  let cursor = "";
  for (let page = 0; ; page++) {
    const result = store.scan({ prefix, cursor, limit, includeValues: false });
    expect(result.items.length).toBeLessThanOrEqual(limit);
    keys.push(...result.items.map((item) => item.key));
    if (result.nextCursor === "") return keys;
    cursor = result.nextCursor;
    between?.(page);
  }
}

const pad = (n: number): string => String(n).padStart(5, "0");

describe("MemStoreKeyValue values", () => {
  it("sets, gets, overwrites, deletes and tells existence", () => {
    const { store } = makeStore();
    expect(store.get("a")).toBeUndefined();
    expect(store.exists("a")).toBe(false);
    store.set("a", bytes("one"), 0);
    expect(text(store.get("a"))).toBe("one");
    expect(store.exists("a")).toBe(true);
    store.set("a", bytes("two!"), 0);
    expect(text(store.get("a"))).toBe("two!");
    expect(store.stats()).toMatchObject({ keys: 1, bytes: 1 + 4 });
    expect(store.delete("a")).toBe(true);
    expect(store.delete("a")).toBe(false);
    expect(store.stats()).toMatchObject({ keys: 0, bytes: 0 });
  });

  it("stores copies: mutating the written buffer, its backing buffer or a scanned value changes nothing", () => {
    const { store } = makeStore();
    const network = bytes("xxhelloxx");
    const view = network.subarray(2, 7);
    store.set("k", view, 0);
    network.fill(0);
    const read = store.get("k")!;
    expect(text(read)).toBe("hello");
    expect(read.byteLength).toBe(5);
    const [scanned] = store.scan({ prefix: "", cursor: "", limit: 10, includeValues: true }).items;
    scanned!.value.fill(0);
    expect(text(store.get("k"))).toBe("hello");
  });

  it("get returns the stored value itself, not a copy per read", async () => {
    const { store } = makeStore();
    store.set("k", bytes("hello"), 0);
    const first = store.get("k");
    expect(store.get("k")).toBe(first);
    expect((await store.getMany(["k"]))[0]).toBe(first);
    store.set("k", bytes("hello"), 0);
    expect(store.get("k")).not.toBe(first);
    expect(text(first)).toBe("hello");
  });

  it("counts key bytes as UTF-8", () => {
    const { store } = makeStore();
    store.set("é", bytes("ab"), 0);
    expect(store.stats().bytes).toBe(2 + 2);
  });

  it("batch methods loop in order", async () => {
    const { store } = makeStore();
    await store.setMany([
      { key: "a", value: bytes("1"), ttlMs: 0 },
      { key: "b", value: bytes("2"), ttlMs: 0 },
    ]);
    expect((await store.getMany(["b", "missing", "a"])).map(text)).toEqual(["2", undefined, "1"]);
    expect(await store.deleteMany(["a", "missing", "b"])).toEqual([true, false, true]);
    expect(store.stats().keys).toBe(0);
  });
});

describe("MemStoreKeyValue TTL", () => {
  it("never returns an expired key from get, exists, scan or getMany", async () => {
    const { store, clock } = makeStore();
    store.set("t", bytes("v"), 100);
    store.set("p", bytes("v"), 0);
    clock.now += 99;
    expect(text(store.get("t"))).toBe("v");
    clock.now += 1;
    expect(store.get("t")).toBeUndefined();
    expect(store.exists("t")).toBe(false);
    expect(await store.getMany(["t"])).toEqual([undefined]);
    expect(store.scan({ prefix: "", cursor: "", limit: 10, includeValues: false }).items.map((i) => i.key)).toEqual(["p"]);
    expect(store.delete("t")).toBe(false);
  });

  it("skips expired keys in a scan without ending it early", () => {
    const { store, clock } = makeStore();
    for (let i = 0; i < 10; i++) store.set(`k${i}`, bytes("v"), i % 2 === 0 ? 50 : 0);
    clock.now += 50;
    expect(scanAll(store, "k", 2)).toEqual(["k1", "k3", "k5", "k7", "k9"]);
  });

  it("sweepExpired reclaims memory of expired keys nobody reads", () => {
    const { store, clock } = makeStore();
    for (let i = 0; i < 10; i++) store.set(`k${i}`, bytes("value"), 100);
    store.set("keep", bytes("value"), 0);
    expect(store.stats().keys).toBe(11);
    expect(store.sweepExpired()).toBe(0);
    clock.now += 100;
    expect(store.sweepExpired()).toBe(10);
    expect(store.stats()).toMatchObject({ keys: 1, bytes: 4 + 5, expired: 10 });
    expect(store.sweepExpired()).toBe(0);
  });

  it("sweepExpired removes only keys due by now, ignoring superseded expiries of rewritten or deleted keys", () => {
    const { store, clock } = makeStore();
    store.set("rewritten", bytes("v"), 10);
    store.set("rewritten", bytes("v"), 1000);
    store.set("cleared", bytes("v"), 10);
    store.set("cleared", bytes("v"), 0);
    store.set("deleted", bytes("v"), 10);
    store.delete("deleted");
    store.set("deleted", bytes("v"), 1000);
    store.set("due", bytes("v"), 10);
    clock.now += 10;
    expect(store.sweepExpired()).toBe(1);
    expect(["rewritten", "cleared", "deleted", "due"].map((k) => store.exists(k))).toEqual([true, true, true, false]);
    clock.now += 990;
    expect(store.sweepExpired()).toBe(2);
    expect(store.stats()).toMatchObject({ keys: 1, expired: 3 });
  });

  it("keeps expiring correctly while one key is rewritten with a TTL many times", () => {
    const { store, clock } = makeStore();
    for (let i = 0; i < 10_000; i++) {
      store.set("hot", bytes("v"), 1000);
      store.set(`k${i % 10}`, bytes("v"), 500);
      clock.now += 1;
    }
    expect(store.stats().keys).toBe(11);
    clock.now += 499;
    expect(store.sweepExpired()).toBe(10);
    expect(store.exists("hot")).toBe(true);
    clock.now += 500;
    expect(store.sweepExpired()).toBe(1);
    expect(store.stats()).toMatchObject({ keys: 0, bytes: 0 });
  });

  it("an overwrite resets or clears the TTL", () => {
    const { store, clock } = makeStore();
    store.set("a", bytes("v"), 100);
    store.set("b", bytes("v"), 100);
    clock.now += 90;
    store.set("a", bytes("v"), 100);
    store.set("b", bytes("v"), 0);
    clock.now += 90;
    expect(store.exists("a")).toBe(true);
    clock.now += 10;
    expect(store.exists("a")).toBe(false);
    clock.now += 1_000_000;
    expect(store.sweepExpired()).toBe(0);
    expect(store.exists("b")).toBe(true);
  });

  it("the sweeper timer runs on its own", async () => {
    let now = 0;
    const store = new MemStoreKeyValue({ capacity: 0, eviction: "lru", maxMemoryBytes: 0, sweepIntervalMs: 10, now: () => now });
    stores.push(store);
    store.set("a", bytes("v"), 5);
    now = 10;
    await expect.poll(() => store.stats().keys, { timeout: 2000 }).toBe(0);
  });
});

describe("MemStoreKeyValue capacity", () => {
  it("with lru evicts the least recently used key; a get refreshes recency", () => {
    const { store } = makeStore({ capacity: 3 });
    store.set("a", bytes("1"), 0);
    store.set("b", bytes("2"), 0);
    store.set("c", bytes("3"), 0);
    store.get("a");
    store.set("d", bytes("4"), 0);
    expect(store.exists("b")).toBe(false);
    expect(["a", "c", "d"].map((k) => store.exists(k))).toEqual([true, true, true]);
    store.set("c", bytes("33"), 0); // an overwrite refreshes too and needs no room
    store.set("e", bytes("5"), 0);
    expect(store.exists("a")).toBe(false);
    expect(store.stats()).toMatchObject({ keys: 3, evictions: 2 });
    expect(scanAll(store, "", 10)).toEqual(["c", "d", "e"]);
  });

  it("with none refuses a new key with RESOURCE_EXHAUSTED but allows overwrites", () => {
    const { store } = makeStore({ capacity: 2, eviction: "none" });
    store.set("a", bytes("1"), 0);
    store.set("b", bytes("2"), 0);
    const error = expectCode(() => store.set("c", bytes("3"), 0), Code.ResourceExhausted);
    expect(error.rawMessage).toBe("memstore is full: 2 keys (capacity 2); delete keys or raise capacity");
    store.set("a", bytes("11"), 0);
    expect(text(store.get("a"))).toBe("11");
    expect(store.stats()).toMatchObject({ keys: 2, evictions: 0 });
    store.delete("b");
    store.set("c", bytes("3"), 0);
    expect(store.exists("c")).toBe(true);
  });

  it("with lru counts an expired key at the front as expired, not evicted", () => {
    const { store, clock } = makeStore({ capacity: 2 });
    store.set("a", bytes("1"), 10);
    store.set("b", bytes("2"), 0);
    clock.now += 10;
    store.set("c", bytes("3"), 0);
    expect(store.stats()).toMatchObject({ keys: 2, evictions: 0, expired: 1 });
    expect(store.exists("b")).toBe(true);
  });

  it("with lru removes every expired key before evicting a live one", () => {
    const { store, clock } = makeStore({ capacity: 3 });
    store.set("live", bytes("1"), 0); // least recently used
    store.set("tmp1", bytes("2"), 10);
    store.set("tmp2", bytes("3"), 10);
    clock.now += 100;
    store.set("new", bytes("4"), 0);
    expect(store.exists("live")).toBe(true);
    expect(store.stats()).toMatchObject({ keys: 2, evictions: 0, expired: 2 });
  });

  it("with lru and maxMemoryBytes removes expired keys before evicting live ones", () => {
    const { store, clock } = makeStore({ maxMemoryBytes: 30 });
    store.set("k1", new Uint8Array(8), 0); // 10 bytes each
    store.set("k2", new Uint8Array(8), 5);
    store.set("k3", new Uint8Array(8), 5);
    clock.now += 5;
    store.set("k4", new Uint8Array(18), 0);
    expect(store.exists("k1")).toBe(true);
    expect(store.stats()).toMatchObject({ keys: 2, bytes: 30, evictions: 0, expired: 2 });
  });

  it("a write that needs room judges expiry at its own start, even when the clock moves on meanwhile", () => {
    for (const eviction of ["lru", "none"] as const) {
      // Every clock reading is 1 ms later than the one before.
      let now = 0;
      const store = new MemStoreKeyValue({ capacity: 0, eviction, maxMemoryBytes: 10, sweepIntervalMs: 0, now: () => now++ });
      stores.push(store);
      store.set("a", bytes("1"), 3); // read at 0: 2 bytes, expires at 3
      store.set("b", bytes("2222"), 0); // read at 1: 5 bytes
      // Read at 2, when "a" is live: 6 bytes replace 2, so 11 > 10 and room is needed.
      const overwrite = () => store.set("a", bytes("11111"), 0);
      if (eviction === "lru") {
        overwrite();
        expect(store.stats()).toMatchObject({ keys: 1, bytes: 6, evictions: 1, expired: 0 });
      } else {
        expectCode(overwrite, Code.ResourceExhausted);
        expect(store.stats()).toMatchObject({ keys: 2, bytes: 7 });
      }
    }
  });

  it("with none an expired key does not hold a slot", () => {
    const { store, clock } = makeStore({ capacity: 1, eviction: "none" });
    store.set("a", bytes("1"), 10);
    clock.now += 10;
    store.set("b", bytes("2"), 0);
    expect(store.stats()).toMatchObject({ keys: 1, evictions: 0, expired: 1 });
  });

  it("maxMemoryBytes evicts by bytes with lru", () => {
    const { store } = makeStore({ maxMemoryBytes: 30 });
    for (const key of ["k1", "k2", "k3"]) store.set(key, new Uint8Array(8), 0); // 10 bytes each
    store.get("k1");
    store.set("k4", new Uint8Array(8), 0);
    expect(store.exists("k2")).toBe(false);
    store.set("k1", new Uint8Array(18), 0); // 20 bytes: evicts k3 and k4 is still 10 → 30
    expect(store.stats()).toMatchObject({ bytes: 30, keys: 2 });
    expect(store.exists("k1")).toBe(true);
    expect(store.exists("k3")).toBe(false);
    expectCode(() => store.set("big", new Uint8Array(40), 0), Code.ResourceExhausted);
    expect(store.stats().bytes).toBe(30);
  });

  it("maxMemoryBytes with none refuses, keeping the old value of an overwrite", () => {
    const { store } = makeStore({ maxMemoryBytes: 20, eviction: "none" });
    store.set("k1", new Uint8Array(8), 0);
    store.set("k2", new Uint8Array(8), 0);
    expectCode(() => store.set("k3", new Uint8Array(1), 0), Code.ResourceExhausted);
    expectCode(() => store.set("k1", new Uint8Array(9), 0), Code.ResourceExhausted);
    expect(store.get("k1")?.byteLength).toBe(8);
    store.set("k1", new Uint8Array(2), 0);
    expect(store.stats()).toMatchObject({ keys: 2, bytes: 14 });
  });
});

describe("MemStoreKeyValue scan", () => {
  it("matches the prefix literally: *?[]\\ are ordinary characters", () => {
    const { store } = makeStore();
    for (const key of ["a*b", "a*c", "ab", "a?x", "a[1]", "a[2]", "a1", "a\\z", "b*"]) store.set(key, bytes(key), 0);
    const keys = (prefix: string) => scanAll(store, prefix, 100);
    expect(keys("a*")).toEqual(["a*b", "a*c"]);
    expect(keys("a?")).toEqual(["a?x"]);
    expect(keys("a[")).toEqual(["a[1]", "a[2]"]);
    expect(keys("a[1]")).toEqual(["a[1]"]);
    expect(keys("a\\")).toEqual(["a\\z"]);
    expect(keys("*")).toEqual([]);
    expect(keys("")).toEqual(["a*b", "a*c", "a1", "a?x", "a[1]", "a[2]", "a\\z", "ab", "b*"]);
  });

  it("returns values only when asked", () => {
    const { store } = makeStore();
    store.set("k", bytes("v"), 0);
    expect(text(store.scan({ prefix: "", cursor: "", limit: 1, includeValues: true }).items[0]?.value)).toBe("v");
    expect(store.scan({ prefix: "", cursor: "", limit: 1, includeValues: false }).items[0]?.value).toEqual(new Uint8Array(0));
  });

  it("pages over 2,500 keys with limit 100, each once and in order", () => {
    const { store } = makeStore();
    const expected: string[] = [];
    for (let i = 0; i < 2500; i++) expected.push(`user:${pad(i)}`);
    for (const key of [...expected].reverse()) store.set(key, bytes("v"), 0);
    store.set("other", bytes("v"), 0);
    store.set("user", bytes("v"), 0);
    let pages = 0;
    const keys = scanAll(store, "user:", 100, () => pages++);
    expect(keys).toEqual(expected);
    expect(pages).toBe(24); // 25 pages, 24 cursors
  });

  it("returns keys present throughout exactly once while keys are added and removed between pages", () => {
    const { store } = makeStore();
    const stable = new Set<string>();
    for (let i = 0; i < 1000; i += 2) {
      store.set(`k:${pad(i)}`, bytes("v"), 0);
      stable.add(`k:${pad(i)}`);
    }
    const doomed: string[] = [];
    for (let i = 1; i < 1000; i += 2) {
      store.set(`k:${pad(i)}`, bytes("v"), 0);
      doomed.push(`k:${pad(i)}`);
    }
    const keys = scanAll(store, "k:", 37, (page) => {
      for (let j = 0; j < 20; j++) store.delete(doomed[(page * 20 + j) % doomed.length]!);
      for (let j = 0; j < 20; j++) store.set(`k:${pad(1000 + page * 20 + j)}`, bytes("v"), 0); // after the cursor
      for (let j = 0; j < 5; j++) store.set(`k:${pad(page * 40 + j * 2)}x`, bytes("v"), 0); // around the cursor
    });
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys);
    const seen = new Set(keys);
    for (const key of stable) expect(seen.has(key)).toBe(true);
  });

  it("rejects a malformed cursor with INVALID_ARGUMENT", () => {
    const { store } = makeStore();
    store.set("k", bytes("v"), 0);
    for (const cursor of ["not a cursor!", "abc", Buffer.from("rd1:k").toString("base64url")]) {
      expectCode(() => store.scan({ prefix: "", cursor, limit: 10, includeValues: false }), Code.InvalidArgument);
    }
  });

  it("gives an empty nextCursor when a page ends exactly at the last match", () => {
    const { store } = makeStore();
    for (const key of ["a1", "a2", "a3", "a4", "b1"]) store.set(key, bytes("v"), 0);
    const first = store.scan({ prefix: "a", cursor: "", limit: 2, includeValues: false });
    expect(first.nextCursor).not.toBe("");
    const second = store.scan({ prefix: "a", cursor: first.nextCursor, limit: 2, includeValues: false });
    expect(second.items.map((i) => i.key)).toEqual(["a3", "a4"]);
    expect(second.nextCursor).toBe("");
    expect(store.scan({ prefix: "a", cursor: "", limit: 4, includeValues: false }).nextCursor).toBe("");
    expect(store.scan({ prefix: "zz", cursor: "", limit: 4, includeValues: false })).toEqual({ items: [], nextCursor: "" });
  });

  it("gives an empty nextCursor when the only remaining matches have expired", () => {
    const { store, clock } = makeStore();
    store.set("a1", bytes("v"), 0);
    store.set("a2", bytes("v"), 10);
    clock.now += 10;
    expect(store.scan({ prefix: "a", cursor: "", limit: 1, includeValues: false })).toEqual({
      items: [{ key: "a1", value: new Uint8Array(0) }],
      nextCursor: "",
    });
  });
});
