// The PubSub acceptance suite, unchanged, through the real proxy executable: memstore, redis,
// core NATS and JetStream, in-process and as supervised processes.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  pubSubAcceptanceSuite,
  startNatsServer,
  startRedisServer,
  type NatsServer,
  type PubSubCapabilities,
  type RedisServer,
} from "@prism/testkit";
import { PubSubService } from "@prism/proto/pubsub/v1";
import { afterAll, beforeAll } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let redis: RedisServer;
let nats: NatsServer;
let proxy: ProxyProcess;

const bufferSize = { subscriberBufferSize: 8192 };
beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedisServer(), startNatsServer()]);
  const jetstream = { url: nats.url, jetstream: true, ackWaitMs: 2000 };
  proxy = await startProxyProcess({
    config: {
      namespaces: {
        "mem-in": { pubsub: { backend: "memstore", config: bufferSize } },
        "mem-proc": { pubsub: { backend: "memstore", isolation: "process", config: bufferSize } },
        "redis-in": { pubsub: { backend: "redis", config: { url: redis.url, ...bufferSize } } },
        "redis-proc": { pubsub: { backend: "redis", isolation: "process", config: { url: redis.url, ...bufferSize } } },
        "nats-in": { pubsub: { backend: "nats", config: { url: nats.url, ...bufferSize } } },
        "nats-proc": { pubsub: { backend: "nats", isolation: "process", config: { url: nats.url, ...bufferSize } } },
        "js-in": { pubsub: { backend: "nats", config: jetstream } },
        "js-proc": { pubsub: { backend: "nats", isolation: "process", config: jetstream } },
      },
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([redis?.stop(), nats?.stop()]);
});

function callerFor(namespace: string) {
  const withNamespace: Interceptor = (next) => (request) => {
    request.header.set("prism-namespace", namespace);
    return next(request);
  };
  return createClient(PubSubService, createGrpcTransport({ baseUrl: proxy.url, interceptors: [withNamespace] }));
}

const atMostOnce: PubSubCapabilities = { guarantee: "at-most-once", groups: true, durable: false };
const atLeastOnce: PubSubCapabilities = { guarantee: "at-least-once", groups: true, durable: true };
for (const [label, namespace, capabilities] of [
  ["memstore inprocess", "mem-in", atMostOnce],
  ["memstore process", "mem-proc", atMostOnce],
  ["redis inprocess", "redis-in", atMostOnce],
  ["redis process", "redis-proc", atMostOnce],
  ["nats core inprocess", "nats-in", atMostOnce],
  ["nats core process", "nats-proc", atMostOnce],
  ["nats jetstream inprocess", "js-in", atLeastOnce],
  ["nats jetstream process", "js-proc", atLeastOnce],
] as const) {
  pubSubAcceptanceSuite(`through the proxy: ${label}`, {
    capabilities,
    setup: async () => ({ client: callerFor(namespace) }),
  });
}
