// Scenario "pubsub": publish→deliver throughput and latency of 100-byte messages to 1 and to 100
// subscribers of one topic: straight on a private nats-server with nats.js (core NATS), and through
// one real proxy with the lean gRPC caller and subscriber: the nats pattern on that nats-server
// (namespace "nats-in" in-process, "nats-proc" as a pattern process) and memstore ("mem-in").
// Subscriber buffers are large (65536 messages), so drops measure overload, not a default.
import { grpcPubSubCalls } from "./pubsub-grpc-calls.mjs";
import { DeliveryRecorder, measurePubSub } from "./pubsub-measure.mjs";
import { directNatsPubSub } from "./pubsub-nats-direct.mjs";
import { nextTopic, pubsubOp, subscriberCounts } from "./pubsub-workload.mjs";
import { openScenarioSession } from "./scenario-session.mjs";

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

/** How each target gets its PubSub calls ({ openCase }); the nats-server (`shared.server()`), proxy and load are opened on first need. */
const targets = {
  "direct nats.js (core)": async (shared) => {
    const direct = await directNatsPubSub((await shared.server()).url);
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
    return openScenarioSession(selected, {
      targets,
      casesOf: (target, calls) =>
        subscriberCounts.map((subscribers) => ({
          target,
          op: pubsubOp(subscribers),
          run: (options) => runCase(calls, subscribers, options),
        })),
      // The proxy serves the namespaces of the selected proxy targets only (no nats-server for memstore alone).
      proxyConfig: async (shared) => {
        const chosen = selected.filter((target) => target in proxyTargets).map((target) => proxyTargets[target]);
        const natsUrl = chosen.some((t) => t.needsNats) ? (await shared.server()).url : undefined;
        return { namespaces: Object.fromEntries(chosen.map((t) => [t.namespace, { pubsub: t.pubsub(natsUrl) }])) };
      },
      testServer: "startNatsServer",
    });
  },
};
