// Round-trip tests of createPrismClient and the KeyValue API against an in-test Connect server.
import { Code } from "@connectrpc/connect";
import { createGrpcTransportUnderTest } from "../test/transport-under-test.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeKeyValueServer, startFakeKeyValueServer } from "../test/fake-keyvalue-server.js";
import { DeadlineExceededError, InvalidArgumentError, KeyNotFoundError, NamespaceNotFoundError, PrismError } from "./index.js";
import { type PrismClient, createPrismClient } from "./prism-client.js";

const decode = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

const setups = [
  { name: "grpc (HTTP/2)", server: "h2", options: { protocol: "grpc" } },
  { name: "grpc by default", server: "h2", options: {} },
  { name: "connect over HTTP/2", server: "h2", options: { protocol: "connect", httpVersion: "2" } },
  { name: "connect over HTTP/1.1", server: "h1", options: { protocol: "connect" } },
  { name: "grpc-web over HTTP/1.1", server: "h1", options: { protocol: "grpc-web", httpVersion: "1.1" } },
] as const;

describe.each(setups)("PrismClient over $name", ({ server: kind, options }) => {
  let server: FakeKeyValueServer;
  let client: PrismClient;

  beforeAll(async () => {
    server = await startFakeKeyValueServer(kind);
    client = createPrismClient({ url: server.url, ...options, headers: { authorization: "Bearer t0ken" } });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.calls.namespaces.length = 0;
  });

  it("sets and gets strings and bytes", async () => {
    await client.kv.set("user:1", "Ada");
    await client.kv.set("blob", new Uint8Array([0, 1, 255]));
    expect(await client.kv.getString("user:1")).toBe("Ada");
    expect(await client.kv.get("user:1")).toEqual(new TextEncoder().encode("Ada"));
    expect(await client.kv.get("blob")).toEqual(new Uint8Array([0, 1, 255]));
    await client.kv.set("empty", "");
    expect(await client.kv.getString("empty")).toBe("");
  });

  it("sends the namespace header and client headers on every call", async () => {
    expect(client.namespace).toBe("default");
    await client.kv.exists("anything");
    expect(server.calls.namespaces).toEqual(["default"]);
    expect(server.calls.lastAuthorization).toBe("Bearer t0ken");
  });

  it("runs the interceptors given in the options on every call", async () => {
    const seen: string[] = [];
    const recording = createPrismClient({
      url: server.url,
      ...options,
      interceptors: [
        (next) => (request) => {
          seen.push(`${request.method.name} ${request.header.get("prism-namespace")}`);
          return next(request);
        },
      ],
    });
    await recording.kv.set("intercepted", "yes");
    expect(await recording.kv.getString("intercepted")).toBe("yes");
    expect(seen).toEqual(["Set default", "Get default"]);
  });

  it("keeps namespaces apart with withNamespace, sharing settings", async () => {
    const other = client.withNamespace("other");
    expect(other.namespace).toBe("other");
    await other.kv.set("shared-key", "in other");
    await client.kv.set("shared-key", "in default");
    expect(await other.kv.getString("shared-key")).toBe("in other");
    expect(await client.kv.getString("shared-key")).toBe("in default");
    expect(server.calls.namespaces).toEqual(["other", "default", "other", "default"]);
    expect(server.calls.lastAuthorization).toBe("Bearer t0ken");
    expect(() => client.withNamespace("")).toThrow(InvalidArgumentError);
  });

  it("throws KeyNotFoundError for a missing key", async () => {
    const error = await client.kv.get("user:404").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyNotFoundError);
    expect(error).toMatchObject({ key: "user:404", code: Code.NotFound, codeName: "NOT_FOUND" });
    expect((error as Error).message).toBe('key "user:404" not found (NOT_FOUND)');
    await expect(client.kv.getString("user:404")).rejects.toBeInstanceOf(KeyNotFoundError);
  });

  it("refuses a namespace that is not a namespace name before sending anything", () => {
    for (const bad of ["", "Orders", "orders\u0001", "a".repeat(64), "-x"]) {
      expect(() => client.withNamespace(bad), JSON.stringify(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => client.withNamespace("orders\u0001")).toThrow(/is not a namespace name: use 1-63 lowercase letters/);
    expect(client.withNamespace("orders-2_b").namespace).toBe("orders-2_b");
  });

  it("throws NamespaceNotFoundError for an unknown namespace", async () => {
    const missing = client.withNamespace("nope");
    for (const call of [() => missing.kv.get("k"), () => missing.kv.set("k", "v"), () => missing.kv.exists("k")]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NamespaceNotFoundError);
      expect(error).toMatchObject({ namespace: "nope", code: Code.NotFound });
      expect((error as Error).message).toBe('namespace "nope" is not configured (NOT_FOUND)');
    }
  });

  it("converts server errors: INVALID_ARGUMENT", async () => {
    const error = await client.kv.set("", "v").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: Code.InvalidArgument, rawMessage: "key must not be empty" });
  });

  it("sends ttlMs as an integer, rounding fractions up, and rejects bad ones locally", async () => {
    server.calls.ttls.length = 0;
    await client.kv.set("ttl:a", "v", { ttlMs: 1500 });
    await client.kv.set("ttl:b", "v", { ttlMs: 0.2 });
    await client.kv.set("ttl:c", "v");
    expect(server.calls.ttls).toEqual([1500n, 1n, 0n]);
    const before = server.calls.total;
    await expect(client.kv.set("ttl:d", "v", { ttlMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(client.kv.set("ttl:d", "v", { ttlMs: Number.NaN })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(server.calls.total).toBe(before);
  });

  it("deletes and tests existence", async () => {
    await client.kv.set("gone", "x");
    expect(await client.kv.exists("gone")).toBe(true);
    expect(await client.kv.delete("gone")).toBe(true);
    expect(await client.kv.delete("gone")).toBe(false);
    expect(await client.kv.exists("gone")).toBe(false);
  });

  it("scans every page under a prefix, literally", async () => {
    const ns = client.withNamespace("other");
    const keys = ["scan:1", "scan:2", "scan:3", "scan:4", "scan:5"];
    await ns.kv.setMany(keys.map((key) => ({ key, value: `v-${key}` })));
    await ns.kv.set("scanner", "not under scan:");
    await ns.kv.set("scan*", "literal star");
    const scansBefore = server.calls.scans;
    const seen: [string, string | undefined][] = [];
    for await (const { key, value } of ns.kv.scan("scan:", { pageSize: 2 })) seen.push([key, decode(value)]);
    expect(seen).toEqual(keys.map((key) => [key, `v-${key}`]));
    expect(server.calls.scans - scansBefore).toBe(3);

    const keysOnly: [string, number][] = [];
    for await (const { key, value } of ns.kv.scan("scan:", { includeValues: false })) keysOnly.push([key, value.length]);
    expect(keysOnly).toEqual(keys.map((key) => [key, 0]));

    const empty = [];
    for await (const entry of ns.kv.scan("nothing-here:")) empty.push(entry);
    expect(empty).toEqual([]);
  });

  it("stops fetching pages when the loop breaks early", async () => {
    const ns = client.withNamespace("other");
    await ns.kv.setMany(["early:1", "early:2", "early:3", "early:4"].map((key) => ({ key, value: key })));
    const scansBefore = server.calls.scans;
    for await (const { key } of ns.kv.scan("early:", { pageSize: 1 })) {
      expect(key).toBe("early:1");
      break;
    }
    expect(server.calls.scans - scansBefore).toBe(1);
  });

  it("converts scan errors", async () => {
    const iterate = async () => {
      for await (const _ of client.withNamespace("nope").kv.scan("x")) {
        // unreachable
      }
    };
    await expect(iterate()).rejects.toBeInstanceOf(NamespaceNotFoundError);
  });

  it("gets, sets and deletes many keys in request order", async () => {
    server.calls.ttls.length = 0;
    await client.kv.setMany([
      { key: "many:a", value: "A" },
      { key: "many:b", value: new Uint8Array([66]), ttlMs: 60_000 },
      { key: "many:c", value: "C" },
    ]);
    expect(server.calls.ttls).toEqual([0n, 60_000n, 0n]);
    const values = await client.kv.getMany(["many:c", "many:missing", "many:a", "many:b"]);
    expect(values.map(decode)).toEqual(["C", undefined, "A", "B"]);
    expect(await client.kv.deleteMany(["many:a", "many:missing", "many:c"])).toEqual([true, false, true]);
    expect((await client.kv.getMany(["many:a", "many:b", "many:c"])).map(decode)).toEqual([undefined, "B", undefined]);
  });

  it("answers empty batches without a round trip", async () => {
    const before = server.calls.total;
    expect(await client.kv.getMany([])).toEqual([]);
    expect(await client.kv.deleteMany([])).toEqual([]);
    await client.kv.setMany([]);
    expect(server.calls.total).toBe(before);
  });

  it("applies per-call deadlines and cancellation", async () => {
    const timedOut = await client.kv.get("slow", { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(DeadlineExceededError);
    expect(timedOut).toMatchObject({ code: Code.DeadlineExceeded, codeName: "DEADLINE_EXCEEDED" });

    const controller = new AbortController();
    const pending = client.kv.get("slow", { signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    const cancelled = await pending;
    expect(cancelled).toBeInstanceOf(PrismError);
    expect(cancelled).toMatchObject({ code: Code.Canceled, codeName: "CANCELLED" });
  });

  it("applies the client's default deadline", async () => {
    const quick = createPrismClient({ url: server.url, ...options, timeoutMs: 100 });
    await expect(quick.kv.get("slow")).rejects.toBeInstanceOf(DeadlineExceededError);
  });
});

describe("createPrismClient", () => {
  it("uses a given transport instead of the url", async () => {
    const server = await startFakeKeyValueServer("h2");
    try {
      const client = createPrismClient({ transport: createGrpcTransportUnderTest({ baseUrl: server.url }), namespace: "other" });
      await client.kv.set("k", "v");
      expect(await client.kv.getString("k")).toBe("v");
      expect(server.calls.namespaces).toEqual(["other", "other"]);
    } finally {
      await server.close();
    }
  });

  it("rejects a missing url or an empty namespace", () => {
    expect(() => createPrismClient({ url: "" })).toThrow(InvalidArgumentError);
    expect(() => createPrismClient({ url: "http://127.0.0.1:1", namespace: "" })).toThrow(InvalidArgumentError);
  });
});
