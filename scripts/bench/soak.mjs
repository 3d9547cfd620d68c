// `pnpm bench --soak [--minutes N]`: one real proxy under a steady mixed load for N minutes (10 by
// default): KeyValue Get/Set over 10,000 keys and PubSub publish→deliver (4 subscribers), on an
// in-process and a process-isolated memstore namespace each, plus a subscription opened and closed
// every second. Every 10 s it samples the RSS of the proxy and of its pattern processes and the
// work done; at the end it prints the samples and how much RSS grew after the warm-up (the first
// fifth), which should be flat.
import { setTimeout as sleep } from "node:timers/promises";
import { createGrpcLoad, grpcFrame } from "./grpc-load.mjs";
import { descendantsOf, startBenchProxy } from "./proxy-process.mjs";
import { grpcPubSubCalls } from "./pubsub-grpc-calls.mjs";
import { DeliveryRecorder } from "./pubsub-measure.mjs";
import { benchValue, kvPath, loadKvProtocol } from "./kv-workload.mjs";
import { rssMiB } from "./process-rss.mjs";

const namespaces = ["inproc", "proc"];
const proxyConfig = {
  namespaces: {
    inproc: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" } },
    proc: {
      keyvalue: { backend: "memstore", isolation: "process" },
      pubsub: { backend: "memstore", isolation: "process" },
    },
  },
};
const KEYS = 10_000;
const KV_IN_FLIGHT = 32;
const PUBLISH_IN_FLIGHT = 8;
const SUBSCRIBERS = 4;
const SAMPLE_MS = 10_000;

/** Runs the soak for `minutes`; resolves with the printed report, and whether RSS stayed flat. */
export async function runSoak({ minutes, signal }) {
  const proxy = await startBenchProxy(proxyConfig);
  const load = await createGrpcLoad(proxy.url, { sessions: 4 });
  const { create, toBinary, GetRequestSchema, SetRequestSchema } = await loadKvProtocol();
  const counters = { kv: 0, published: 0, delivered: 0, errors: 0, churn: 0 };
  const recorder = new DeliveryRecorder();
  recorder.deliver = () => void counters.delivered++;
  recorder.fail = () => void counters.errors++;
  const cases = [];
  for (const namespace of namespaces) {
    const calls = await grpcPubSubCalls(load, proxy.url, namespace);
    cases.push({ namespace, pubsub: await calls.openCase({ topic: "soak.events", subscribers: SUBSCRIBERS, recorder }), calls });
  }
  const until = Date.now() + minutes * 60_000;
  const running = () => Date.now() < until && !signal?.aborted;
  const kvWorker = async (worker) => {
    for (let i = worker; running(); i += KV_IN_FLIGHT) {
      const namespace = namespaces[i % 2];
      const key = `soak:${(i * 7919) % KEYS}`;
      const isSet = i % 4 === 0;
      const headers = load.headers(kvPath(isSet ? "Set" : "Get"), { "prism-namespace": namespace });
      const message = isSet
        ? toBinary(SetRequestSchema, create(SetRequestSchema, { key, value: benchValue }))
        : toBinary(GetRequestSchema, create(GetRequestSchema, { key }));
      // A Get of a key not set yet is NOT_FOUND: expected, not an error.
      await load.unary(headers, grpcFrame(message)).then(
        () => counters.kv++,
        (error) =>
          String(error.message).includes("NOT_FOUND") || String(error.message).includes("status 5") ? counters.kv++ : counters.errors++,
      );
    }
  };
  const publishWorker = async (worker) => {
    for (let seq = worker; running(); seq += PUBLISH_IN_FLIGHT) {
      const { pubsub } = cases[seq % cases.length];
      await pubsub.publish(seq, performance.now()).then(
        () => counters.published++,
        () => counters.errors++,
      );
    }
  };
  const churn = async () => {
    while (running()) {
      for (const { calls } of cases) {
        const extra = await calls.openCase({ topic: "soak.churn", subscribers: 1, recorder: new DeliveryRecorder() });
        await extra.close();
        counters.churn++;
      }
      await sleep(1000);
    }
  };

  const samples = [];
  const sample = (elapsedS) => {
    const children = descendantsOf(proxy.pid);
    samples.push({
      t: elapsedS,
      proxyMiB: rssMiB(proxy.pid),
      patternsMiB: children.reduce((sum, pid) => sum + rssMiB(pid), 0),
      ...counters,
    });
    process.stderr.write(
      `  soak ${elapsedS}s: proxy ${rssMiB(proxy.pid).toFixed(1)} MiB, kv ${counters.kv}, published ${counters.published}, ` +
        `delivered ${counters.delivered}, errors ${counters.errors}\n`,
    );
  };
  const startedAt = Date.now();
  sample(0);
  const sampler = setInterval(() => sample(Math.round((Date.now() - startedAt) / 1000)), SAMPLE_MS);
  try {
    await Promise.all([
      ...Array.from({ length: KV_IN_FLIGHT }, (_, i) => kvWorker(i)),
      ...Array.from({ length: PUBLISH_IN_FLIGHT }, (_, i) => publishWorker(i)),
      churn(),
    ]);
  } finally {
    clearInterval(sampler);
    sample(Math.round((Date.now() - startedAt) / 1000));
    for (const { pubsub } of cases) await pubsub.close().catch(() => {});
    await load.close();
    await proxy.stop();
  }
  return report(samples);
}

/** The sample table and the verdict: RSS growth from the end of the warm-up (first fifth) to the end. */
function report(samples) {
  const lines = ["   t s  proxy MiB  patterns MiB   kv calls  published  delivered  errors  sub churn"];
  let previous = { kv: 0, published: 0, delivered: 0 };
  for (const s of samples) {
    lines.push(
      `${String(s.t).padStart(6)}  ${s.proxyMiB.toFixed(1).padStart(9)}  ${s.patternsMiB.toFixed(1).padStart(12)}  ` +
        `${String(s.kv - previous.kv).padStart(9)}  ${String(s.published - previous.published).padStart(9)}  ` +
        `${String(s.delivered - previous.delivered).padStart(9)}  ${String(s.errors).padStart(6)}  ${String(s.churn).padStart(9)}`,
    );
    previous = s;
  }
  const warm = samples[Math.max(1, Math.floor(samples.length / 5))] ?? samples[0];
  const last = samples.at(-1);
  const grow = (a, b) => (a > 0 ? ((b - a) / a) * 100 : 0);
  const proxyGrowth = grow(warm.proxyMiB, last.proxyMiB);
  const patternGrowth = grow(warm.patternsMiB, last.patternsMiB);
  const flat = proxyGrowth < 10 && patternGrowth < 10;
  lines.push(
    "",
    `RSS after warm-up (t=${warm.t}s) → end (t=${last.t}s): proxy ${warm.proxyMiB.toFixed(1)} → ${last.proxyMiB.toFixed(1)} MiB ` +
      `(${proxyGrowth.toFixed(1)} %), patterns ${warm.patternsMiB.toFixed(1)} → ${last.patternsMiB.toFixed(1)} MiB (${patternGrowth.toFixed(1)} %): ` +
      `${flat ? "flat" : "GROWING"}; ${last.errors} errors`,
    "Rows: work done in each 10 s interval; errors and churn (subscriptions opened and closed) are running totals.",
  );
  return { text: lines.join("\n"), flat: flat && last.errors === 0 };
}
