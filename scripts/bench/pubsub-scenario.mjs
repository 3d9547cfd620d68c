// Scenario "pubsub": publish→deliver throughput and latency of 100-byte messages to 1 and to 100
// subscribers of one topic: straight on a private nats-server with nats.js (core NATS), and through
// one real proxy with the lean gRPC caller and subscriber: the nats pattern on that nats-server
// (namespace "nats-in" in-process, "nats-proc" as a pattern process) and memstore ("mem-in").
// With @prism/client as the publisher too (memstore and core NATS in-process): its PublishStream at
// the run's concurrency and at 1,024 publishes in flight, and one Publish call per message.
// Subscriber buffers are large (65536 messages), so drops measure overload, not a default.
import { clientPubSubCalls } from "./pubsub-client-calls.mjs";
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

/** Publishes in flight of the @prism/client PublishStream rows that show how far streaming goes. */
const streamedConcurrency = 1024;

/** @prism/client targets: the proxy target whose namespace they publish to, and whether publishes stream. */
const clientTargets = {
  "proxy memstore inprocess, @prism/client PublishStream": { proxyTarget: "proxy memstore inprocess", publishStream: true },
  "proxy memstore inprocess, @prism/client Publish": { proxyTarget: "proxy memstore inprocess", publishStream: false },
  "proxy nats core inprocess, @prism/client PublishStream": { proxyTarget: "proxy nats core inprocess", publishStream: true },
  "proxy nats core inprocess, @prism/client Publish": { proxyTarget: "proxy nats core inprocess", publishStream: false },
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
  ...Object.fromEntries(
    Object.entries(clientTargets).map(([target, { proxyTarget, publishStream }]) => [
      target,
      async (shared) => ({
        calls: await clientPubSubCalls(await shared.load(), (await shared.proxy()).url, proxyTargets[proxyTarget].namespace, publishStream),
      }),
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
      casesOf: (target, calls) => [
        ...subscriberCounts.map((subscribers) => ({
          target,
          op: pubsubOp(subscribers),
          run: (options) => runCase(calls, subscribers, options),
        })),
        ...(clientTargets[target]?.publishStream
          ? [
              {
                target,
                op: `${pubsubOp(1)}, ${streamedConcurrency.toLocaleString("en-US")} in flight`,
                run: (options) => runCase(calls, 1, { ...options, concurrency: streamedConcurrency }),
              },
            ]
          : []),
      ],
      // The proxy serves the namespaces of the selected proxy targets only (no nats-server for memstore alone).
      proxyConfig: async (shared) => {
        const names = selected.map((target) => clientTargets[target]?.proxyTarget ?? target);
        const chosen = [...new Set(names)].filter((target) => target in proxyTargets).map((target) => proxyTargets[target]);
        const natsUrl = chosen.some((t) => t.needsNats) ? (await shared.server()).url : undefined;
        return { namespaces: Object.fromEntries(chosen.map((t) => [t.namespace, { pubsub: t.pubsub(natsUrl) }])) };
      },
      testServer: "startNatsServer",
    });
  },
};
