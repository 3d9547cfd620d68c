// The KeyValue acceptance suite, unchanged, through the real proxy executable: memstore and redis,
// each in-process and as a supervised process (unary calls over the hop framing, and over HTTP/2).
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { keyValueAcceptanceSuite, startRedisServer, type RedisServer } from "@prism/testkit";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { afterAll, beforeAll } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let redis: RedisServer;
let proxy: ProxyProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  const redisConfig = { url: redis.url };
  proxy = await startProxyProcess({
    config: {
      namespaces: {
        "mem-in": { keyvalue: { backend: "memstore", config: { capacity: 0 } } },
        "mem-proc": { keyvalue: { backend: "memstore", isolation: "process", config: { capacity: 0 } } },
        "redis-in": { keyvalue: { backend: "redis", config: redisConfig } },
        "redis-proc": { keyvalue: { backend: "redis", isolation: "process", config: redisConfig } },
        "mem-proc-h2": { keyvalue: { backend: "memstore", isolation: "process", processHop: "http2", config: { capacity: 0 } } },
      },
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await redis?.stop();
});

function callerFor(namespace: string) {
  const withNamespace: Interceptor = (next) => (request) => {
    request.header.set("prism-namespace", namespace);
    return next(request);
  };
  return createClient(KeyValueService, createGrpcTransport({ baseUrl: proxy.url, interceptors: [withNamespace] }));
}

const everything = { ttl: true, scan: true, batch: true };
for (const [label, namespace] of [
  ["memstore inprocess", "mem-in"],
  ["memstore process", "mem-proc"],
  ["redis inprocess", "redis-in"],
  ["redis process", "redis-proc"],
  ["memstore process, unary calls over HTTP/2 (processHop: http2)", "mem-proc-h2"],
] as const) {
  keyValueAcceptanceSuite(`through the proxy: ${label}`, {
    capabilities: everything,
    setup: async () => ({ client: callerFor(namespace) }),
  });
}
