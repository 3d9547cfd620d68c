// Scenario "kv-memstore": KeyValue Get/Set on the memstore pattern, called directly in this process,
// through one real proxy (namespace "default" in-process, "cache" as a pattern process) with the
// lean gRPC caller, and through @prism/client.
import { importBuilt } from "./built-packages.mjs";
import { createGrpcLoad } from "./grpc-load.mjs";
import { clientKvCalls } from "./kv-client-calls.mjs";
import { directKvCalls } from "./kv-direct-calls.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { kvOps } from "./kv-workload.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

const memstoreConfig = { capacity: 0 };

/** The proxy config: one in-process and one process-isolated memstore namespace. */
const proxyConfig = {
  namespaces: {
    default: { keyvalue: { backend: "memstore", config: memstoreConfig } },
    cache: { keyvalue: { backend: "memstore", isolation: "process", config: memstoreConfig } },
  },
};

/** How each target gets its { Get, Set } calls; `proxy` and `load` are opened on first need. */
const targets = {
  "direct memstore": async () => {
    const { MemStoreKeyValue } = await importBuilt("pattern-memstore/dist/index.js");
    const backend = new MemStoreKeyValue({ capacity: 0, eviction: "lru", maxMemoryBytes: 0, sweepIntervalMs: 1000 });
    return { calls: await directKvCalls(backend), close: () => backend.close() };
  },
  "proxy memstore inprocess": async (shared) => ({ calls: await grpcKvCalls(await shared.load(), "default") }),
  "proxy memstore process": async (shared) => ({ calls: await grpcKvCalls(await shared.load(), "cache") }),
  "proxy memstore inprocess via @prism/client": async (shared) => ({
    calls: await clientKvCalls((await shared.proxy()).url, "default"),
  }),
};

export const kvMemstoreScenario = {
  name: "kv-memstore",
  targets: Object.keys(targets),

  /**
   * Yields one case per (selected target, op), preparing each target just before its cases run;
   * `close()` stops whatever was started (call it in a finally, also when iteration threw).
   */
  open(selected) {
    const closers = [];
    let proxy;
    let load;
    const shared = {
      proxy: () =>
        (proxy ??= startBenchProxy(proxyConfig).then((started) => {
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
        // Reverse order: the caller's sessions before the proxy they talk to.
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
