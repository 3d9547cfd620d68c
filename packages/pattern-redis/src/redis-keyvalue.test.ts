// Integration tests of RedisKeyValue against a real, private redis-server: values and TTL, literal
// prefix scans over many keys, namespace isolation, cursors and batches.
import { Code, ConnectError } from "@prism/pattern-sdk";
import { parseConfig } from "@prism/pattern-sdk/host";
import { type RedisServer, startRedisServer } from "@prism/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "./redis-client.js";
import { redisConfigSchema, resolveKeyPrefix } from "./redis-config.js";
import { RedisKeyValue } from "./redis-keyvalue.js";
import { decodeRedisScanCursor, encodeRedisScanCursor } from "./redis-scan-cursor.js";

let server: RedisServer;
const clients: Redis[] = [];
let raw: Redis;

const text = (value: string) => new TextEncoder().encode(value);

/** The key prefix each RedisKeyValue of the tests stores under. */
const keyPrefixes = new WeakMap<RedisKeyValue, string>();

/** A RedisKeyValue on its own connected client, storing keys under `keyPrefix`. */
async function keyValue(keyPrefix: string): Promise<RedisKeyValue> {
  const config = parseConfig(redisConfigSchema, { url: server.url });
  const { client, address } = createRedisClient(config);
  clients.push(client);
  await client.connect();
  const kv = new RedisKeyValue({ client, keyPrefix, address });
  keyPrefixes.set(kv, keyPrefix);
  return kv;
}

/** Every key of a full scan of `prefix`, asserting each page holds at most `limit` items. */
async function scanAll(kv: RedisKeyValue, prefix: string, limit: number, includeValues = false) {
  const items: { key: string; value: Uint8Array }[] = [];
  let cursor = "";
  let pages = 0;
  let carried = 0;
  do {
    const page = await kv.scan({ prefix, cursor, limit, includeValues });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor !== "") carried += decodeRedisScanCursor(cursor, { keyPrefix: keyPrefixes.get(kv) ?? "", prefix }).pending.length;
    pages++;
  } while (cursor !== "");
  return { items, keys: items.map((item) => item.key), pages, carried };
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

beforeAll(async () => {
  server = await startRedisServer();
  const { client } = createRedisClient(parseConfig(redisConfigSchema, { url: server.url }));
  clients.push(client);
  await client.connect();
  raw = client;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  await server?.stop();
});

describe("RedisKeyValue", () => {
  it("sets, gets, overwrites and deletes byte values under the namespace prefix", async () => {
    const kv = await keyValue(resolveKeyPrefix("", "basic"));
    const bytes = new Uint8Array([0, 255, 1, 128, 0]);
    await kv.set("bin", bytes, 0);
    expect(await kv.get("bin")).toEqual(bytes);
    expect(await raw.getBuffer("prism:basic:bin")).toEqual(Buffer.from(bytes));
    await kv.set("bin", text("v2"), 0);
    expect(await kv.get("bin")).toEqual(text("v2"));
    expect(await kv.get("missing")).toBeUndefined();
    expect(await kv.exists("bin")).toBe(true);
    expect(await kv.exists("missing")).toBe(false);
    expect(await kv.delete("bin")).toBe(true);
    expect(await kv.delete("bin")).toBe(false);
    expect(await kv.exists("bin")).toBe(false);
    await kv.set("empty", new Uint8Array(0), 0);
    expect(await kv.get("empty")).toEqual(new Uint8Array(0));
  });

  it("expires a key after its TTL, and a later set without TTL clears it", async () => {
    const kv = await keyValue(resolveKeyPrefix("", "ttl"));
    await kv.set("short", text("soon gone"), 30);
    await expect
      .poll(() => kv.get("short"), { timeout: 15_000, interval: 20, message: "the value of a key set with a 30 ms TTL" })
      .toBeUndefined();
    expect(await kv.exists("short")).toBe(false);

    await kv.set("long", text("v1"), 600_000);
    expect(await raw.pttl("prism:ttl:long")).toBeGreaterThan(0);
    await kv.set("long", text("v2"), 0);
    expect(await raw.pttl("prism:ttl:long")).toBe(-1);
    expect(await kv.get("long")).toEqual(text("v2"));
  });

  it("matches scan prefixes literally, glob characters and colons included", async () => {
    const kv = await keyValue(resolveKeyPrefix("", "glob"));
    for (const key of ["a*b:1", "a?b:1", "axb:1", "a[b]:1", "ab:1", "a\\b:1", "a*b:2"]) await kv.set(key, text(key), 0);
    expect((await scanAll(kv, "a*b:", 100)).keys.sort()).toEqual(["a*b:1", "a*b:2"]);
    expect((await scanAll(kv, "a?b:", 100)).keys).toEqual(["a?b:1"]);
    expect((await scanAll(kv, "a[b]", 100)).keys).toEqual(["a[b]:1"]);
    expect((await scanAll(kv, "a\\b", 100)).keys).toEqual(["a\\b:1"]);
    expect((await scanAll(kv, "", 100)).keys).toHaveLength(7);
  });

  it("escapes glob characters in a configured key prefix too", async () => {
    const literal = await keyValue("t[1]*?\\:");
    const lookalike = await keyValue("t1x:");
    await literal.set("k", text("literal"), 0);
    await lookalike.set("k", text("lookalike"), 0);
    expect(await scanAll(literal, "", 10, true)).toMatchObject({ items: [{ key: "k", value: text("literal") }] });
    expect(await raw.exists("t[1]*?\\:k")).toBe(1);
  });

  it("scans 2,500 keys in pages of at most 100, each key exactly once, values on request", async () => {
    const kv = await keyValue(resolveKeyPrefix("", "many"));
    const expected = Array.from({ length: 2500 }, (_, i) => `user:${String(i).padStart(4, "0")}`);
    for (let i = 0; i < expected.length; i += 500) {
      await kv.setMany(expected.slice(i, i + 500).map((key) => ({ key, value: text(`v-${key}`), ttlMs: 0 })));
    }
    await kv.setMany(Array.from({ length: 300 }, (_, i) => ({ key: `other:${i}`, value: text("x"), ttlMs: 0 })));

    const { keys, pages, carried } = await scanAll(kv, "user:", 100);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(expected);
    expect(pages).toBeGreaterThanOrEqual(25);
    // SCAN replies brought more keys than fit a page; they were carried in the cursor, not lost.
    expect(carried).toBeGreaterThan(0);

    const withValues = await scanAll(kv, "user:0", 7, true);
    expect(withValues.keys.sort()).toEqual(expected.slice(0, 1000));
    for (const item of withValues.items) expect(item.value).toEqual(text(`v-${item.key}`));

    const single = await scanAll(kv, "user:24", 1);
    expect(single.keys.sort()).toEqual(expected.slice(2400));
  });

  it("isolates namespaces sharing one Redis", async () => {
    const a = await keyValue(resolveKeyPrefix("", "ns-a"));
    const b = await keyValue(resolveKeyPrefix("", "ns-b"));
    await a.set("shared", text("from a"), 0);
    await a.set("only-a", text("a"), 0);
    await b.set("shared", text("from b"), 0);
    expect(await a.get("shared")).toEqual(text("from a"));
    expect(await b.get("shared")).toEqual(text("from b"));
    expect(await b.get("only-a")).toBeUndefined();
    expect(await b.exists("only-a")).toBe(false);
    expect((await scanAll(a, "", 10)).keys.sort()).toEqual(["only-a", "shared"]);
    expect((await scanAll(b, "", 10)).keys).toEqual(["shared"]);
    expect(await b.delete("only-a")).toBe(false);
    expect(await a.exists("only-a")).toBe(true);
  });

  it("rejects a malformed cursor with INVALID_ARGUMENT", async () => {
    const kv = await keyValue(resolveKeyPrefix("", "cursor"));
    for (const cursor of ["garbage!", "bXMxOnVzZXI6MQ", "cmQxOnt9"]) {
      const error = await rejection(kv.scan({ prefix: "", cursor, limit: 10, includeValues: false }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain("malformed or foreign scan cursor");
    }
  });

  it("returns only keys Redis has, in the namespace and the prefix, whatever a forged cursor carries", async () => {
    const keyPrefix = resolveKeyPrefix("", "forged");
    const kv = await keyValue(keyPrefix);
    const neighbour = await keyValue(resolveKeyPrefix("", "forged-neighbour"));
    await kv.set("user:real", text("real"), 0);
    await kv.set("user:other-page", text("other"), 0);
    await neighbour.set("user:theirs", text("theirs"), 0);
    await raw.set("user:unprefixed", "outside every namespace");
    // Anyone can build a cursor that passes the format and binding checks: the digest is no secret.
    const forged = encodeRedisScanCursor(
      { redisCursor: "0", pending: ["user:ghost", "user:real", "user:theirs", "user:unprefixed", "user:real"] },
      { keyPrefix, prefix: "user:" },
    );
    for (const includeValues of [false, true]) {
      const page = await kv.scan({ prefix: "user:", cursor: forged, limit: 10, includeValues });
      expect(page.items.map((item) => item.key)).toEqual(["user:real"]);
      expect(page.nextCursor).toBe("");
    }
    // Carried keys beyond the page stay unchecked in the next cursor until they are returned.
    const paged = await kv.scan({ prefix: "user:", cursor: forged, limit: 2, includeValues: false });
    expect(paged.items.map((item) => item.key)).toEqual(["user:real"]);
    const rest = await kv.scan({ prefix: "user:", cursor: paged.nextCursor, limit: 10, includeValues: false });
    expect(rest).toEqual({ items: [], nextCursor: "" });
    // The same cursor cannot be replayed against another prefix or namespace.
    for (const [target, prefix] of [
      [kv, "user:r"],
      [neighbour, "user:"],
    ] as const) {
      const error = await rejection(target.scan({ prefix, cursor: forged, limit: 10, includeValues: false }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain("malformed or foreign scan cursor");
    }
  });

  it("keeps request order in batches", async () => {
    const kv = await keyValue(resolveKeyPrefix("", "batch"));
    await kv.setMany([
      { key: "k3", value: text("three"), ttlMs: 0 },
      { key: "k1", value: text("one"), ttlMs: 600_000 },
      { key: "k2", value: text("two"), ttlMs: 0 },
    ]);
    expect(await kv.getMany(["k2", "missing", "k3", "k1"])).toEqual([text("two"), undefined, text("three"), text("one")]);
    expect(await raw.pttl("prism:batch:k1")).toBeGreaterThan(0);
    expect(await kv.deleteMany(["k1", "missing", "k2", "k1"])).toEqual([true, false, true, false]);
    expect(await kv.getMany(["k1", "k2", "k3"])).toEqual([undefined, undefined, text("three")]);
    expect(await kv.getMany([])).toEqual([]);
    expect(await kv.deleteMany([])).toEqual([]);
    await kv.setMany([]);
  });

  it("maps a Redis error reply to INTERNAL naming the address", async () => {
    const kv = await keyValue(resolveKeyPrefix("", "wrongtype"));
    await raw.lpush("prism:wrongtype:list", "x");
    const error = await rejection(kv.get("list"));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toContain(`127.0.0.1:${server.port}`);
  });
});
