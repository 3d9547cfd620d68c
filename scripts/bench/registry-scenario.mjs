// Scenario "registry": the Multicast Registry (issue 10 §5) as an application sees it, through
// @prism/client and one real proxy, side by side with the same pattern's store called in-process.
// Every registry (each proxy namespace, each direct store) first gets 10,000 identities
// (registry-workload.mjs: metadata { type, floor, zone, tags } laid out so that the filter
// `{ type: "sensor", floor: { $gte: 5 } }` matches exactly 1,000 and, with `zone: "c"`, exactly 100),
// registered before the target's cases: on the store (direct memstore; Redis namespaces, through a
// redis pattern store of the namespace) or with the lean gRPC caller (memstore namespaces of the proxy).
// Cases:
// - Enumerate of that filter, one page holding all 1,000 matches with metadata, at 1 call in flight
//   (p50/p99): directly on MemStoreRegistry and on the redis pattern's store (of namespace
//   "reg-redis-in" on the scenario's redis-server, so the proxy's identities), and through the proxy
//   on memstore in-process ("reg-mem-in"), memstore as a pattern process ("reg-mem-proc") and Redis
//   in-process ("reg-redis-in"). Targets: ≤ 5 ms p99 on memstore, ≤ 20 ms on Redis. The "lean gRPC
//   (answer not decoded)" rows make the same call with the lean caller, which does not decode the
//   ~100 KB answer: the proxy's share of what @prism/client sees.
// - Multicast to the 100 matching identities, each listening through @prism/client on its own
//   Listen stream, at 1 in flight: latency from the call until the Multicast answered AND all 100
//   listeners received the message (registry-multicast-fan-in.mjs); on memstore in-process, Redis
//   with Redis pub/sub messaging, and Redis with NATS messaging ("reg-redis-nats", a private
//   nats-server). Target: ≤ 20 ms p99.
// - Register (replace: true, over the same 10,000 identities and metadata, so the registry keeps its
//   size) and Heartbeat, ops/s at the bench's concurrency, on memstore in-process and Redis.
// To keep the scenario within about a minute, every case measures for at most caseSeconds after at
// most caseWarmupSeconds (less when --seconds / --warmup ask for less).
import { measure } from "./measure.mjs";
import { clientRegistryCalls } from "./registry-client-calls.mjs";
import { directMemstoreRegistry, directRedisRegistry, openRedisRegistryStore, populateStore } from "./registry-direct-calls.mjs";
import { grpcRegistryCalls, populateOverGrpc } from "./registry-grpc-calls.mjs";
import { openRegistrySession } from "./registry-session.mjs";
import { registryOps } from "./registry-workload.mjs";

/** Longest measured window of a case, in seconds. */
const caseSeconds = 3;
/** Longest warm-up of a case, in seconds (every registry was just populated, so it is warm already). */
const caseWarmupSeconds = 0.5;

/** The ops each target runs, in table order. */
const allOps = ["Enumerate", "Multicast", "Register", "Heartbeat"];

/** Fills a Redis-backed namespace straight on its keys, through a redis pattern store of that namespace. */
async function seedRedis(shared, namespace) {
  const { store, close } = await openRedisRegistryStore((await shared.redis()).url, namespace);
  try {
    await populateStore(store);
  } finally {
    await close();
  }
}

/** The namespaces of the proxy: the servers each needs, its registry binding given the server URLs, and how it is populated. */
const namespaces = {
  "reg-mem-in": {
    servers: [],
    registry: () => ({ backend: "memstore" }),
    populate: async (shared) => populateOverGrpc(await shared.load(), "reg-mem-in"),
  },
  "reg-mem-proc": {
    servers: [],
    registry: () => ({ backend: "memstore", isolation: "process" }),
    populate: async (shared) => populateOverGrpc(await shared.load(), "reg-mem-proc"),
  },
  "reg-redis-in": {
    servers: ["redis"],
    registry: ({ redis }) => ({ backend: "redis", config: { url: redis } }),
    populate: (shared) => seedRedis(shared, "reg-redis-in"),
  },
  "reg-redis-nats": {
    servers: ["redis", "nats"],
    registry: ({ redis, nats }) => ({ backend: "redis", config: { url: redis, messaging: { backend: "nats", url: nats } } }),
    populate: (shared) => seedRedis(shared, "reg-redis-nats"),
  },
};

/** Proxy targets: their namespace, caller ("client" = @prism/client, "grpc" = the lean caller) and ops. */
const proxyTargets = {
  "proxy memstore inprocess via @prism/client": { namespace: "reg-mem-in", caller: "client", ops: allOps },
  "proxy memstore inprocess, lean gRPC (answer not decoded)": { namespace: "reg-mem-in", caller: "grpc", ops: ["Enumerate"] },
  "proxy memstore process via @prism/client": { namespace: "reg-mem-proc", caller: "client", ops: ["Enumerate"] },
  "proxy redis inprocess via @prism/client": { namespace: "reg-redis-in", caller: "client", ops: allOps },
  "proxy redis inprocess, lean gRPC (answer not decoded)": { namespace: "reg-redis-in", caller: "grpc", ops: ["Enumerate"] },
  "proxy redis inprocess, NATS messaging, via @prism/client": { namespace: "reg-redis-nats", caller: "client", ops: ["Multicast"] },
};

/** How each target gets its calls ({ calls, ops, close? }), in table order. */
const targets = {
  "direct memstore (MemStoreRegistry)": async () => ({ ...(await directMemstoreRegistry()), ops: ["Enumerate"] }),
  "proxy memstore inprocess via @prism/client": proxyTarget,
  "proxy memstore inprocess, lean gRPC (answer not decoded)": proxyTarget,
  "proxy memstore process via @prism/client": proxyTarget,
  "direct redis (pattern store)": async (shared) => ({
    ...(await directRedisRegistry((await shared.redis()).url, "reg-redis-in", () => shared.populated("reg-redis-in"))),
    ops: ["Enumerate"],
  }),
  "proxy redis inprocess via @prism/client": proxyTarget,
  "proxy redis inprocess, lean gRPC (answer not decoded)": proxyTarget,
  "proxy redis inprocess, NATS messaging, via @prism/client": proxyTarget,
};

/** A proxy target's calls on its namespace of the shared proxy, the namespace populated once on first need. */
async function proxyTarget(shared, target) {
  const { namespace, caller, ops } = proxyTargets[target];
  await shared.populated(namespace);
  const url = (await shared.proxy()).url;
  const calls = caller === "grpc" ? await grpcRegistryCalls(await shared.load(), namespace) : await clientRegistryCalls(url, namespace);
  return { calls, ops };
}

/** The bench's options, capped (see the file comment). */
const capped = (options) => ({
  ...options,
  seconds: Math.min(options.seconds, caseSeconds),
  warmupSeconds: Math.min(options.warmupSeconds, caseWarmupSeconds),
});

/** The options of a 1-in-flight case. */
const latencyOptions = (options) => ({ ...capped(options), concurrency: 1 });

/** The case of `op` on a target with `calls`. */
function caseOf(target, op, calls) {
  switch (op) {
    case "Enumerate":
      return { target, op: registryOps.enumerate, run: (options) => measure(calls.Enumerate, latencyOptions(options)) };
    case "Multicast":
      return {
        target,
        op: registryOps.multicast,
        run: async (options) => {
          const fanIn = await calls.openMulticast();
          try {
            return await measure(fanIn.call, latencyOptions(options));
          } finally {
            await fanIn.close();
          }
        },
      };
    case "Register":
      return { target, op: registryOps.register, run: (options) => measure(calls.Register, capped(options)) };
    case "Heartbeat":
      return { target, op: registryOps.heartbeat, run: (options) => measure(calls.Heartbeat, capped(options)) };
    default:
      throw new Error(`unknown registry op ${op}`);
  }
}

export const registryScenario = {
  name: "registry",
  targets: Object.keys(targets),

  /** Prepares each selected target just before its cases; the proxy serves the selected proxy targets' namespaces only. */
  open(selected) {
    const session = openRegistrySession(async (shared) => {
      const chosen = [...new Set(selected.filter((target) => target in proxyTargets).map((target) => proxyTargets[target].namespace))];
      const servers = new Set(chosen.flatMap((namespace) => namespaces[namespace].servers));
      const urls = {
        redis: servers.has("redis") ? (await shared.redis()).url : undefined,
        nats: servers.has("nats") ? (await shared.nats()).url : undefined,
      };
      return { namespaces: Object.fromEntries(chosen.map((namespace) => [namespace, { registry: namespaces[namespace].registry(urls) }])) };
    });
    /** Namespace → its population, started once. */
    const populations = new Map();
    const shared = {
      ...session.shared,
      /** Resolves once `namespace` holds the workload's identities. */
      populated: (namespace) => {
        if (!populations.has(namespace)) populations.set(namespace, namespaces[namespace].populate(shared));
        return populations.get(namespace);
      },
    };
    return {
      async *cases() {
        for (const target of selected) {
          const preparing = performance.now();
          const { calls, ops, close } = await targets[target](shared, target);
          process.stderr.write(`  ${target}: prepared in ${((performance.now() - preparing) / 1000).toFixed(1)} s\n`);
          if (close) session.onClose(close);
          for (const op of ops) yield caseOf(target, op, calls);
        }
      },
      close: () => session.close(),
    };
  },
};
