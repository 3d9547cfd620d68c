// End to end: one proxy, several namespaces on different backends. The same client code gives
// identical results against a memstore namespace and a redis namespace, and namespaces sharing
// one Redis never see each other's keys.
import { KeyNotFoundError, createPrismClient, type PrismClient } from "@prism/client";
import { startRedisServer, type RedisServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let redis: RedisServer;
let proxy: ProxyProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  proxy = await startProxyProcess({
    config: {
      namespaces: {
        sessions: { keyvalue: { backend: "memstore" } },
        orders: { keyvalue: { backend: "redis", config: { url: redis.url } } },
        invoices: { keyvalue: { backend: "redis", isolation: "process", config: { url: redis.url } } },
      },
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await redis?.stop();
});

/** The application code under test: written once, run against any namespace. */
async function workload(client: PrismClient): Promise<unknown[]> {
  const out: unknown[] = [];
  await client.kv.set("user:1", "ada");
  await client.kv.set("user:2", new Uint8Array([0, 255, 7]));
  await client.kv.set("user:3", "temp", { ttlMs: 60_000 });
  await client.kv.set("order:9", "x");
  out.push(await client.kv.getString("user:1"));
  out.push([...(await client.kv.get("user:2"))]);
  out.push(await client.kv.exists("user:3"));
  out.push(await client.kv.get("user:404").catch((e: unknown) => (e instanceof KeyNotFoundError ? "KeyNotFoundError" : e)));
  const scanned: string[] = [];
  for await (const item of client.kv.scan("user:", { pageSize: 2 })) scanned.push(item.key);
  out.push(scanned.sort());
  await client.kv.setMany([
    { key: "b:1", value: "one" },
    { key: "b:2", value: "two" },
  ]);
  out.push((await client.kv.getMany(["b:2", "b:0", "b:1"])).map((v) => (v ? Buffer.from(v).toString() : null)));
  out.push(await client.kv.deleteMany(["b:1", "b:0"]));
  out.push(await client.kv.delete("user:1"));
  out.push(await client.kv.delete("user:1"));
  return out;
}

describe("the same client code on memstore and redis", () => {
  it("gives identical results", async () => {
    const memstore = await workload(createPrismClient({ url: proxy.url, namespace: "sessions" }));
    const redisInprocess = await workload(createPrismClient({ url: proxy.url, namespace: "orders" }));
    const redisProcess = await workload(createPrismClient({ url: proxy.url, namespace: "invoices" }));
    expect(redisInprocess).toEqual(memstore);
    expect(redisProcess).toEqual(memstore);
    expect(memstore[0]).toBe("ada");
  });

  it("keeps two namespaces on one Redis apart, scans included", async () => {
    const orders = createPrismClient({ url: proxy.url, namespace: "orders" });
    const invoices = createPrismClient({ url: proxy.url, namespace: "invoices" });
    await orders.kv.set("shared:key", "orders");
    await invoices.kv.set("shared:key", "invoices");
    await orders.kv.set("shared:only-orders", "o");
    expect(await orders.kv.getString("shared:key")).toBe("orders");
    expect(await invoices.kv.getString("shared:key")).toBe("invoices");
    expect(await invoices.kv.exists("shared:only-orders")).toBe(false);
    const keys: string[] = [];
    for await (const item of invoices.kv.scan("shared:")) keys.push(item.key);
    expect(keys).toEqual(["shared:key"]);
  });
});
