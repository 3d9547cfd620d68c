// Scenario "kv-memstore": KeyValue Get/Set on the memstore pattern, called directly in this process,
// through one real proxy (namespace "default" in-process, "cache" as a pattern process, "cache-h2" as
// a pattern process whose unary calls go over HTTP/2 instead of the hop framing) with the lean gRPC
// caller, and through @prism/client.
import { importBuilt } from "./built-packages.mjs";
import { clientKvCalls } from "./kv-client-calls.mjs";
import { directKvCalls } from "./kv-direct-calls.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { kvCases } from "./kv-workload.mjs";
import { openScenarioSession } from "./scenario-session.mjs";

const memstoreConfig = { capacity: 0 };

/** The proxy config: one in-process and one process-isolated memstore namespace. */
const proxyConfig = {
  namespaces: {
    default: { keyvalue: { backend: "memstore", config: memstoreConfig } },
    cache: { keyvalue: { backend: "memstore", isolation: "process", config: memstoreConfig } },
    "cache-h2": { keyvalue: { backend: "memstore", isolation: "process", processHop: "http2", config: memstoreConfig } },
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
  "proxy memstore process, HTTP/2 hop": async (shared) => ({ calls: await grpcKvCalls(await shared.load(), "cache-h2") }),
  "proxy memstore inprocess via @prism/client (connect-node)": async (shared) => ({
    calls: await clientKvCalls((await shared.proxy()).url, "default", "connect"),
  }),
  "proxy memstore inprocess via @prism/client lean": async (shared) => ({
    calls: await clientKvCalls((await shared.proxy()).url, "default", "lean"),
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
    return openScenarioSession(selected, { targets, casesOf: kvCases, proxyConfig: async () => proxyConfig });
  },
};
