// End to end over clustered backends: three proxies (namespaces on a NATS JetStream KV bucket) with
// KeyValue on a real 3-master Redis Cluster and PubSub on JetStream (3 replicas) over a real 3-node
// NATS cluster; the KeyValue and PubSub acceptance suites pass unchanged through one client holding
// all three proxies' URLs (so a subscription's acks often reach another proxy than the one holding it);
// killing the proxy that holds a group subscription loses no at-least-once message.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import { createEndpointPoolTransport, createPrismClient } from "@prism/client";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { PubSubService } from "@prism/proto/pubsub/v1";
import {
  keyValueAcceptanceSuite,
  type NatsCluster,
  pubSubAcceptanceSuite,
  type RedisCluster,
  startNatsCluster,
  startRedisCluster,
} from "@prism/testkit";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let redis: RedisCluster;
let nats: NatsCluster;
const proxies: ProxyProcess[] = [];

beforeAll(async () => {
  redis = await startRedisCluster({ masters: 3 });
  nats = await startNatsCluster({ nodes: 3, jetstream: true });
  const config = {
    configSource: { nats: { servers: nats.urls, bucket: "clustered" } },
    namespaces: {
      default: {
        keyvalue: { backend: "redis", config: { cluster: redis.urls } },
        pubsub: { backend: "nats", config: { url: nats.url, jetstream: true, replicas: 3, ackWaitMs: 2000 } },
      },
    },
  };
  for (let i = 0; i < 3; i++) proxies.push(await startProxyProcess({ config }));
}, 120_000);

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop();
  await nats?.stop();
  await redis?.stop();
});

/** A client of `service` over all three proxies (the client's endpoint pool). */
function poolClient<S extends DescService>(service: S) {
  const withNamespace: Interceptor = (next) => (request) => {
    request.header.set("prism-namespace", "default");
    return next(request);
  };
  const endpoints = proxies.map(({ url }) => ({ url, transport: createGrpcTransport({ baseUrl: url, interceptors: [withNamespace] }) }));
  return createClient(service, createEndpointPoolTransport(endpoints));
}

keyValueAcceptanceSuite("three proxies over a Redis Cluster (one client, three URLs)", {
  capabilities: { ttl: true, scan: true, batch: true },
  setup: async () => ({ client: poolClient(KeyValueService) }),
});

pubSubAcceptanceSuite("three proxies over a NATS cluster with JetStream (one client, three URLs)", {
  capabilities: { guarantee: "at-least-once", groups: true, durable: true },
  setup: async () => ({ client: poolClient(PubSubService) }),
});

it("loses no at-least-once message when the proxy holding the subscription is killed mid-run", async () => {
  // A fresh client's first call goes to its first endpoint: the subscription starts on proxies[0].
  const subscriber = createPrismClient({ url: proxies.map(({ url }) => url), namespace: "default" });
  const publisher = createPrismClient({ url: [proxies[1]?.url as string, proxies[2]?.url as string], namespace: "default" });
  const controller = new AbortController();
  const subscription = subscriber.pubsub.subscribe("failover.orders", { group: "billing", signal: controller.signal });
  await subscription.ready;
  const received = new Set<string>();
  const reading = (async () => {
    for await (const message of subscription) {
      received.add(message.text());
      await message.ack().catch(() => {}); // an ack lost with its proxy means a redelivery, not a loss
    }
  })().catch(() => {});
  const published: string[] = [];
  for (let i = 0; i < 60; i++) {
    if (i === 20) await proxies[0]?.stop("SIGKILL");
    await publisher.pubsub.publish("failover.orders", `order-${i}`);
    published.push(`order-${i}`);
  }
  await vi.waitFor(() => expect(published.filter((text) => !received.has(text))).toEqual([]), { timeout: 30_000, interval: 250 });
  controller.abort();
  await reading;
}, 60_000);
