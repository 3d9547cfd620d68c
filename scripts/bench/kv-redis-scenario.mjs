// Scenario "kv-redis": KeyValue Get/Set on one private redis-server, called by an ioredis client in
// this process (the floor: Redis plus one client) and through one real proxy with the redis pattern
// (namespace "redis-in" in-process, "redis-proc" as a pattern process) with the lean gRPC caller.
import { importBuilt, importDependencyOf } from "./built-packages.mjs";
import { createGrpcLoad } from "./grpc-load.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { benchKeys, benchValue, kvOps } from "./kv-workload.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

/** The proxy config for a Redis at `url`: one in-process and one process-isolated namespace. */
const proxyConfig = (url) => ({
  namespaces: {
    "redis-in": { keyvalue: { backend: "redis", config: { url } } },
    "redis-proc": { keyvalue: { backend: "redis", isolation: "process", config: { url } } },
  },
});

/** How each target gets its { Get, Set } calls; the Redis, proxy and load are opened on first need. */
const targets = {
  "direct ioredis": async (shared) => {
    const { Redis } = await importDependencyOf("pattern-redis", "ioredis");
    const client = new Redis((await shared.redis()).url, { lazyConnect: true });
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
};

export const kvRedisScenario = {
  name: "kv-redis",
  targets: Object.keys(targets),

  /** Like kv-memstore's open(): cases per (selected target, op); `close()` stops all that was started. */
  open(selected) {
    const closers = [];
    let redis;
    let proxy;
    let load;
    const shared = {
      redis: () =>
        (redis ??= importBuilt("pattern-sdk/dist/testing/index.js")
          .then(({ startRedisServer }) => startRedisServer())
          .then((server) => {
            closers.push(() => server.stop());
            return server;
          })),
      proxy: () =>
        (proxy ??= shared.redis().then(async ({ url }) => {
          const started = await startBenchProxy(proxyConfig(url));
          closers.push(() => started.stop());
          return started;
        })),
      load: () =>
        (load ??= shared.proxy().then(async ({ url }) => {
          const opened = await createGrpcLoad(url, { sessions: 4 });
          closers.push(() => opened.close());
          return opened;
        })),
    };
    return {
      async *cases() {
        for (const target of selected) {
          const { calls, close } = await targets[target](shared);
          if (close) closers.push(close);
          for (const op of kvOps) yield { target, op, call: calls[op] };
        }
      },
      async close() {
        // Reverse order: clients before the proxy, the proxy before the Redis it talks to.
        for (const close of closers.reverse()) {
          try {
            await close();
          } catch (error) {
            console.error(`bench: cleanup failed: ${error.message}`);
          }
        }
      },
    };
  },
};
