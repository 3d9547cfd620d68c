// The Multicast Registry acceptance suite, unchanged, through the real proxy executable: memstore,
// redis (Redis pub/sub messaging) and redis with NATS messaging, each in-process and as a supervised
// process, and both redis variants across two proxies (every Listen on the second one, so each
// multicast crosses proxies). Each binding also gets a namespace with a small identity limit for the
// RESOURCE_EXHAUSTED cases, and the suite counts listeners through /healthz.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  type NatsServer,
  type RedisServer,
  type RegistryCaller,
  registryAcceptanceSuite,
  startNatsServer,
  startRedisServer,
} from "@prism/testkit";
import { RegistryService } from "@prism/proto/registry/v1";
import { afterAll, beforeAll } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

/** The identity limit of the `-limited` namespaces. */
const LIMITED_MAX_IDENTITIES = 5;

let redis: RedisServer;
let nats: NatsServer;
let proxy: ProxyProcess;
/** A second proxy on the same servers, holding the Listen streams of the cross-proxy runs. */
let second: ProxyProcess;

/** Config of a redis binding with Redis pub/sub messaging (read once the servers run). */
const redisConfig = () => ({ url: redis.url });
/** Config of a redis binding with NATS messaging (read once the servers run). */
const natsConfig = () => ({ url: redis.url, messaging: { backend: "nats", url: nats.url } });

/** The runs: label, namespace, its registry binding (without limits; built once the servers run), whether a second proxy serves it too. */
const runs: ReadonlyArray<readonly [string, string, () => Record<string, unknown>, boolean]> = [
  ["memstore inprocess", "mem-in", () => ({ backend: "memstore" }), false],
  ["memstore process", "mem-proc", () => ({ backend: "memstore", isolation: "process" }), false],
  ["redis inprocess", "redis-in", () => ({ backend: "redis", config: redisConfig() }), true],
  ["redis process", "redis-proc", () => ({ backend: "redis", isolation: "process", config: redisConfig() }), false],
  ["redis + nats messaging inprocess", "redis-nats-in", () => ({ backend: "redis", config: natsConfig() }), true],
  ["redis + nats messaging process", "redis-nats-proc", () => ({ backend: "redis", isolation: "process", config: natsConfig() }), false],
];

/** A binding with `limits` merged into its config. */
function limitedBinding(binding: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const config = (binding.config ?? {}) as Readonly<Record<string, unknown>>;
  return { ...binding, config: { ...config, limits: { maxIdentities: LIMITED_MAX_IDENTITIES } } };
}

beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedisServer(), startNatsServer()]);
  const namespaces: Record<string, unknown> = {};
  const secondNamespaces: Record<string, unknown> = {};
  for (const [, namespace, bindingOf, shared] of runs) {
    const binding = bindingOf();
    namespaces[namespace] = { registry: { ...binding, healthIntervalMs: 100 } };
    namespaces[`${namespace}-limited`] = { registry: limitedBinding(binding) };
    if (shared) secondNamespaces[namespace] = { registry: { ...binding, healthIntervalMs: 100 } };
  }
  [proxy, second] = await Promise.all([
    startProxyProcess({ config: { health: { details: true }, namespaces } }),
    startProxyProcess({ config: { health: { details: true }, namespaces: secondNamespaces } }),
  ]);
});

afterAll(async () => {
  await Promise.all([proxy?.stop(), second?.stop()]);
  await Promise.all([redis?.stop(), nats?.stop()]);
});

function callerFor(namespace: string, via = proxy): RegistryCaller {
  const withNamespace: Interceptor = (next) => (request) => {
    request.header.set("prism-namespace", namespace);
    return next(request);
  };
  return createClient(RegistryService, createGrpcTransport({ baseUrl: via.url, interceptors: [withNamespace] }));
}

type Health = { namespaces: Record<string, Record<string, { details?: Record<string, string | number> }>> };

/** Listen streams the namespace's registry holds on `via`, as its /healthz reports them. */
async function listenerCount(namespace: string, via = proxy): Promise<number> {
  const body = (await (await fetch(`${via.url}/healthz`)).json()) as Health;
  const listeners = body.namespaces[namespace]?.registry?.details?.listeners;
  if (listeners === undefined) throw new Error(`/healthz reports no registry listeners for namespace ${namespace}`);
  return Number(listeners);
}

for (const [label, namespace, , cross] of runs) {
  registryAcceptanceSuite(`through the proxy: ${label}`, {
    setup: async () => ({
      client: callerFor(namespace),
      listenerCount: () => listenerCount(namespace),
      limited: { client: callerFor(`${namespace}-limited`), maxIdentities: LIMITED_MAX_IDENTITIES },
    }),
  });
  if (!cross) continue;
  registryAcceptanceSuite(`through two proxies: ${label}, Listen on the second proxy`, {
    setup: async () => {
      const client = callerFor(namespace);
      const listener = callerFor(namespace, second);
      return {
        client: { ...client, listen: (request, options) => listener.listen(request, options) },
        listenerCount: () => listenerCount(namespace, second),
        limited: { client: callerFor(`${namespace}-limited`), maxIdentities: LIMITED_MAX_IDENTITIES },
      };
    },
  });
}
