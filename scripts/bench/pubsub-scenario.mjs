// Scenario "pubsub": publish→deliver throughput and latency of 100-byte messages to 1 and to 100
// subscribers of one topic: straight on a private nats-server with nats.js (core NATS), and through
// one real proxy with the lean gRPC caller and subscriber: the nats pattern on that nats-server
// (namespace "nats-in" in-process, "nats-proc" as a pattern process) and memstore ("mem-in").
// Subscriber buffers are large (65536 messages), so drops measure overload, not a default.
import { importBuilt } from "./built-packages.mjs";
import { createGrpcLoad } from "./grpc-load.mjs";
import { grpcPubSubCalls } from "./pubsub-grpc-calls.mjs";
import { DeliveryRecorder, measurePubSub } from "./pubsub-measure.mjs";
import { directNatsPubSub } from "./pubsub-nats-direct.mjs";
import { nextTopic, pubsubOp, subscriberCounts } from "./pubsub-workload.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

/** Messages buffered per subscriber in the proxy's patterns. */
const subscriberBufferSize = 65536;

/** The proxy namespace of each proxy target, and its pubsub binding given the nats-server URL. */
const proxyTargets = {
  "proxy nats core inprocess": {
    namespace: "nats-in",
    needsNats: true,
    pubsub: (url) => ({ backend: "nats", config: { url, subscriberBufferSize } }),
  },
  "proxy nats core process": {
    namespace: "nats-proc",
    needsNats: true,
    pubsub: (url) => ({ backend: "nats", isolation: "process", config: { url, subscriberBufferSize } }),
  },
  "proxy memstore inprocess": {
    namespace: "mem-in",
    needsNats: false,
    pubsub: () => ({ backend: "memstore", config: { subscriberBufferSize } }),
  },
};

/** How each target gets its PubSub calls ({ openCase }); the nats-server, proxy and load are opened on first need. */
const targets = {
  "direct nats.js (core)": async (shared) => {
    const direct = await directNatsPubSub((await shared.nats()).url);
    return { calls: direct, close: () => direct.close() };
  },
  ...Object.fromEntries(
    Object.entries(proxyTargets).map(([target, { namespace }]) => [
      target,
      async (shared) => ({ calls: await grpcPubSubCalls(await shared.load(), (await shared.proxy()).url, namespace) }),
    ]),
  ),
};

/** One case: subscribes, measures, unsubscribes (also when measuring threw). */
async function runCase(calls, subscribers, options) {
  const recorder = new DeliveryRecorder();
  const opened = await calls.openCase({ topic: nextTopic(), subscribers, recorder });
  try {
    return await measurePubSub(opened.publish, recorder, { ...options, subscribers });
  } finally {
    await opened.close().catch((error) => console.error(`bench: closing the subscribers failed: ${error.message}`));
  }
}

export const pubsubScenario = {
  name: "pubsub",
  targets: Object.keys(targets),

  /** Like kv-memstore's open(), but each case brings its own `run(options)` instead of a `call`. */
  open(selected) {
    const closers = [];
    let nats;
    let proxy;
    let load;
    const shared = {
      nats: () =>
        (nats ??= importBuilt("pattern-sdk/dist/testing/index.js")
          .then(({ startNatsServer }) => startNatsServer())
          .then((server) => {
            closers.push(() => server.stop());
            return server;
          })),
      // The proxy serves the namespaces of the selected proxy targets only (no nats-server for memstore alone).
      proxy: () =>
        (proxy ??= (async () => {
          const chosen = selected.filter((target) => target in proxyTargets).map((target) => proxyTargets[target]);
          const natsUrl = chosen.some((t) => t.needsNats) ? (await shared.nats()).url : undefined;
          const namespaces = Object.fromEntries(chosen.map((t) => [t.namespace, { pubsub: t.pubsub(natsUrl) }]));
          const started = await startBenchProxy({ namespaces });
          closers.push(() => started.stop());
          return started;
        })()),
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
          for (const subscribers of subscriberCounts) {
            yield { target, op: pubsubOp(subscribers), run: (options) => runCase(calls, subscribers, options) };
          }
        }
      },
      async close() {
        // Reverse order: clients before the proxy, the proxy before the nats-server it talks to.
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
