// Scenario "kv-redis": KeyValue Get/Set on one private redis-server, called by an ioredis client in
// this process (the floor: Redis plus one client) and through one real proxy with the redis pattern
// (namespace "redis-in" in-process, "redis-proc" as a pattern process, "redis-h2" as one whose unary
// calls go over HTTP/2 instead of the hop framing) with the lean gRPC caller, and through @prism/client.
import { importDependencyOf } from "./built-packages.mjs";
import { clientKvCalls } from "./kv-client-calls.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { benchKeys, benchValue, kvCases } from "./kv-workload.mjs";
import { openScenarioSession } from "./scenario-session.mjs";

/** The proxy config for a Redis at `url`: one in-process and one process-isolated namespace. */
const proxyConfig = (url) => ({
  namespaces: {
    "redis-in": { keyvalue: { backend: "redis", config: { url } } },
    "redis-proc": { keyvalue: { backend: "redis", isolation: "process", config: { url } } },
    "redis-h2": { keyvalue: { backend: "redis", isolation: "process", processHop: "http2", config: { url } } },
  },
});

/** How each target gets its { Get, Set } calls; the Redis (`shared.server()`), proxy and load are opened on first need. */
const targets = {
  "direct ioredis": async (shared) => {
    const { Redis } = await importDependencyOf("pattern-redis", "ioredis");
    const client = new Redis((await shared.server()).url, { lazyConnect: true });
    await client.connect();
    // The redis pattern's key prefix for "redis-in", so this reads the keys the proxy does.
    const keys = benchKeys.map((key) => `prism:redis-in:${key}`);
    const value = Buffer.from(benchValue);
    await Promise.all(keys.map((key) => client.set(key, value)));
    const n = keys.length;
    return {
      calls: { Get: (i) => client.getBuffer(keys[i % n]), Set: (i) => client.set(keys[i % n], value) },
      close: () => client.quit(),
    };
  },
  "proxy redis inprocess": async (shared) => ({ calls: await grpcKvCalls(await shared.load(), "redis-in") }),
  "proxy redis process": async (shared) => ({ calls: await grpcKvCalls(await shared.load(), "redis-proc") }),
  "proxy redis process, HTTP/2 hop": async (shared) => ({ calls: await grpcKvCalls(await shared.load(), "redis-h2") }),
  "proxy redis process via @prism/client lean": async (shared) => ({
    calls: await clientKvCalls((await shared.proxy()).url, "redis-proc", "lean"),
  }),
};

export const kvRedisScenario = {
  name: "kv-redis",
  targets: Object.keys(targets),

  /** Like kv-memstore's open(): cases per (selected target, op); `close()` stops all that was started. */
  open(selected) {
    return openScenarioSession(selected, {
      targets,
      casesOf: kvCases,
      proxyConfig: async (shared) => proxyConfig((await shared.server()).url),
      testServer: "startRedisServer",
    });
  },
};
