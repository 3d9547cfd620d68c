// End to end: three real proxies as one — namespaces on a NATS JetStream KV bucket, KeyValue on a
// shared redis-server — driven through clients holding all three URLs: the KeyValue acceptance
// suite passes unchanged; a namespace created through one proxy serves on all three; a proxy killed
// in the middle of a stream of writes loses no acknowledged write.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createEndpointPoolTransport, createPrismClient } from "@prism/client";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { keyValueAcceptanceSuite, type NatsServer, type RedisServer, startNatsServer, startRedisServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let redis: RedisServer;
let nats: NatsServer;
const proxies: ProxyProcess[] = [];
const urls = () => proxies.map((proxy) => proxy.url);

beforeAll(async () => {
  redis = await startRedisServer();
  nats = await startNatsServer();
  const config = {
    configSource: { nats: { servers: [nats.url], bucket: "scale-out" } },
    namespaces: { default: { keyvalue: { backend: "redis", config: { url: redis.url } } } },
  };
  for (let i = 0; i < 3; i++) proxies.push(await startProxyProcess({ config }));
});

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop();
  await nats?.stop();
  await redis?.stop();
});

/** A KeyValue client over all three proxies (the client's endpoint pool), for `namespace`. */
function poolCaller(namespace: string) {
  const withNamespace: Interceptor = (next) => (request) => {
    request.header.set("prism-namespace", namespace);
    return next(request);
  };
  const endpoints = urls().map((url) => ({ url, transport: createGrpcTransport({ baseUrl: url, interceptors: [withNamespace] }) }));
  return createClient(KeyValueService, createEndpointPoolTransport(endpoints));
}

keyValueAcceptanceSuite("through three proxies (one client, three URLs)", {
  capabilities: { ttl: true, scan: true, batch: true },
  setup: async () => ({ client: poolCaller("default") }),
});

describe("three proxies as one", () => {
  it("serve a namespace created through one of them on all three", async () => {
    await createPrismClient({ url: proxies[0]?.url as string }).admin.createNamespace("fleet", {
      keyvalue: { backend: "redis", config: { url: redis.url } },
    });
    for (const proxy of proxies) {
      const client = createPrismClient({ url: proxy.url, namespace: "fleet" });
      await vi.waitFor(() => client.kv.set(`on-${proxy.url}`, "v"), { timeout: 5000, interval: 50 });
    }
  });

  it("lose no acknowledged write when one proxy is killed mid-run", async () => {
    const client = createPrismClient({ url: urls() });
    const acknowledged: string[] = [];
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      if (i === 100) await proxies[2]?.stop("SIGKILL");
      try {
        await client.kv.set(`write-${i}`, `value-${i}`);
        acknowledged.push(`write-${i}`);
      } catch {
        refused++; // not acknowledged: the client said so (UNAVAILABLE), nothing silent
      }
    }
    expect(refused).toBeLessThanOrEqual(1);
    expect(acknowledged.length).toBeGreaterThanOrEqual(299);
    for (const key of acknowledged) expect(await client.kv.getString(key)).toBe(`value-${key.slice("write-".length)}`);
  });
});
