// End to end: one @prism/client holding the URLs of two real proxies over a shared redis-server
// (KeyValue) and nats-server (PubSub): calls go to both; when one proxy is killed, reads go on,
// a write fails once with UnavailableError and then succeeds on the other, and a subscription
// re-attaches to the surviving proxy and receives what is published afterwards.
import { createPrismClient, UnavailableError } from "@prism/client";
import { type NatsServer, type RedisServer, startNatsServer, startRedisServer } from "@prism/testkit";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let redis: RedisServer;
let nats: NatsServer;
let a: ProxyProcess;
let b: ProxyProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  nats = await startNatsServer();
  const config = {
    namespaces: {
      default: {
        keyvalue: { backend: "redis", config: { url: redis.url } },
        pubsub: { backend: "nats", config: { url: nats.url } },
      },
    },
  };
  a = await startProxyProcess({ config });
  b = await startProxyProcess({ config });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await nats?.stop();
  await redis?.stop();
});

/** Calls of KeyValue Set a proxy answered OK, from its /metrics. */
async function setsServedBy(proxy: ProxyProcess): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((each) => each.startsWith('prism_requests_total{namespace="default",api="keyvalue",method="Set",code="OK"}'));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

it("spreads calls over both proxies, and survives losing one", async () => {
  const client = createPrismClient({ url: [a.url, b.url] });
  for (let i = 0; i < 10; i++) await client.kv.set(`key-${i}`, `value-${i}`);
  expect(await setsServedBy(a)).toBeGreaterThan(0);
  expect(await setsServedBy(b)).toBeGreaterThan(0);

  const reattached: unknown[] = [];
  const controller = new AbortController();
  const subscription = client.pubsub.subscribe("fleet.events", {
    signal: controller.signal,
    onReattach: (event) => reattached.push(event),
  });
  await subscription.ready;
  const received: string[] = [];
  const reading = (async () => {
    for await (const message of subscription) received.push(message.text());
  })().catch(() => {});

  await a.stop("SIGKILL");
  // Reads are retried once on the other proxy: every key is there (Redis is shared).
  for (let i = 0; i < 10; i++) expect(await client.kv.getString(`key-${i}`)).toBe(`value-${i}`);
  // A write is not retried silently: at most one fails UNAVAILABLE, then the dead proxy is avoided.
  let failed = 0;
  for (let i = 0; i < 4; i++) {
    try {
      await client.kv.set(`after-${i}`, "v");
    } catch (error) {
      expect(error).toBeInstanceOf(UnavailableError);
      failed++;
    }
  }
  expect(failed).toBeLessThanOrEqual(1);

  await vi.waitFor(
    async () => {
      await client.pubsub.publish("fleet.events", "after the failover");
      expect(received).toContain("after the failover");
    },
    { timeout: 15_000, interval: 250 },
  );
  // The at-most-once gap is surfaced: the subscriber was told it re-attached.
  expect(reattached).toEqual([expect.objectContaining({ guarantee: "at-most-once" })]);
  controller.abort();
  await reading;
});
