// End to end with a real redis-server behind the proxy: killing Redis mid-traffic turns calls into
// UNAVAILABLE within their deadline and health DEGRADED/UNHEALTHY; restarting it on the same port
// brings traffic back with no proxy or pattern restart. Also: 1,000 concurrent calls succeed.
import { UnavailableError, createPrismClient } from "@prism/client";
import { startRedisServer, type RedisServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let redis: RedisServer;
let proxy: ProxyProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  const config = { url: redis.url, commandTimeoutMs: 500, unhealthyAfterMs: 1000 };
  proxy = await startProxyProcess({
    config: {
      namespaces: {
        inproc: { keyvalue: { backend: "redis", config, healthIntervalMs: 200 } },
        proc: { keyvalue: { backend: "redis", isolation: "process", config, healthIntervalMs: 200 } },
      },
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await redis?.stop();
});

describe.each(["inproc", "proc"])("redis outage behind namespace %s", (namespace) => {
  it("fails fast with UNAVAILABLE while Redis is down and recovers without a restart", async () => {
    const client = createPrismClient({ url: proxy.url, namespace, timeoutMs: 5_000 });
    await client.kv.set("before", "1");
    const patternStarts = proxy.logs.filter((r) => r.msg.includes("is serving")).length;

    // Traffic in flight while Redis dies.
    const traffic = Array.from({ length: 50 }, (_, i) =>
      client.kv.set(`mid:${i}`, "x").then(
        () => "ok",
        (e: unknown) => e,
      ),
    );
    await redis.kill();
    const outcomes = await Promise.all(traffic);
    for (const outcome of outcomes) {
      if (outcome !== "ok") expect(outcome).toBeInstanceOf(UnavailableError);
    }
    const error = await client.kv.get("before").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain(`127.0.0.1:${redis.port}`);
    await proxy.waitForLog((r) => r.namespace === namespace && /is (DEGRADED|UNHEALTHY)/.test(r.msg));
    const unhealthy = await proxy.waitForLog((r) => r.namespace === namespace && /is UNHEALTHY/.test(r.msg));

    await redis.restart();
    await vi.waitFor(
      async () => {
        await client.kv.set("after", "2");
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(await client.kv.getString("after")).toBe("2");
    await proxy.waitForLog(
      (r) => r.namespace === namespace && /is HEALTHY/.test(r.msg) && proxy.logs.indexOf(r) > proxy.logs.indexOf(unhealthy),
    );
    expect(proxy.logs.filter((r) => r.msg.includes("is serving")).length).toBe(patternStarts);
    expect(proxy.logs.some((r) => r.msg.includes("restarting in"))).toBe(false);
  });
});

describe("load", () => {
  it.each(["inproc", "proc"])("completes 1,000 concurrent calls on %s without an error", async (namespace) => {
    const client = createPrismClient({ url: proxy.url, namespace });
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? client.kv.set(`load:${i}`, `v${i}`) : client.kv.exists(`load:${i - 1}`))),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
  });
});
