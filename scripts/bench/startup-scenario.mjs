// Scenario "startup": what a first-time user meets. `prism-proxy` spawned with no config at all
// (the zero-config default: memstore in process) until its first KeyValue call is answered: a
// cold start, in ms, from spawn through "listening", a new HTTP/2 connection and one Set on the
// default namespace. Repeated for about --seconds (at least once, at most 20 starts; one unmeasured
// start first when --warmup is not 0, so the files are in the page cache), p50/p99 over the starts.
// Then the resident memory (RSS, MiB) of that proxy and any process it spawned, idle for
// min(--seconds, 2) s after the first call, its connection still open.
import { setTimeout as sleep } from "node:timers/promises";
import { createGrpcLoad, grpcFrame } from "./grpc-load.mjs";
import { percentile } from "./measure.mjs";
import { descendantsOf, startBenchProxy } from "./proxy-process.mjs";
import { benchValue, kvPath, loadKvProtocol } from "./kv-workload.mjs";
import { rssMiB } from "./process-rss.mjs";

const target = "prism-proxy, zero config";
const maxStarts = 20;

/** Spawns a zero-config proxy and makes its first KeyValue call; resolves to { proxy, load, ms }. */
async function coldStart() {
  const { create, toBinary, SetRequestSchema } = await loadKvProtocol();
  const frame = grpcFrame(toBinary(SetRequestSchema, create(SetRequestSchema, { key: "bench:cold", value: benchValue })));
  const startedAt = performance.now();
  const proxy = await startBenchProxy(undefined, { noConfig: true });
  let load;
  try {
    load = await createGrpcLoad(proxy.url, { sessions: 1 });
    await load.unary(load.headers(kvPath("Set")), frame);
    return { proxy, load, ms: performance.now() - startedAt };
  } catch (error) {
    await load?.close();
    await proxy.stop();
    throw error;
  }
}

/** Closes one cold-started proxy and its connection. */
async function shutDown({ proxy, load }) {
  await load.close();
  await proxy.stop();
}

export const startupScenario = {
  name: "startup",
  targets: [target],

  /** Yields the cold-start case, then the idle RSS case of the last proxy it started. */
  open() {
    let kept; // the last cold-started proxy, measured by the RSS case
    return {
      async *cases() {
        yield {
          target,
          op: "cold start: spawn → first KV call answered",
          legend: "cold start: p50/p99 = ms from spawning prism-proxy without a config to its first answered KeyValue call",
          run: async ({ seconds, warmupSeconds, signal }) => {
            if (warmupSeconds > 0) await shutDown(await coldStart());
            const times = [];
            const errorSamples = new Set();
            let errors = 0;
            let spent = 0;
            while (times.length + errors < maxStarts && !signal?.aborted && (times.length + errors === 0 || spent < seconds * 1000)) {
              if (kept) await shutDown(kept);
              kept = undefined;
              const before = performance.now();
              try {
                kept = await coldStart();
                times.push(kept.ms);
              } catch (error) {
                errors++;
                if (errorSamples.size < 3) errorSamples.add(error instanceof Error ? error.message : String(error));
              }
              spent += performance.now() - before;
            }
            const sorted = Float64Array.from(times).sort();
            return {
              ops: sorted.length,
              seconds: spent / 1000,
              p50: percentile(sorted, 50),
              p99: percentile(sorted, 99),
              errors,
              errorSamples: [...errorSamples],
            };
          },
        };
        yield {
          target,
          op: "idle RSS after the first call",
          legend: "idle RSS: resident memory of the zero-config proxy (and any process it spawned), idle after its first call",
          run: async ({ seconds, signal }) => {
            kept ??= await coldStart();
            await sleep(Math.min(seconds, 2) * 1000, undefined, { signal }).catch(() => {});
            const pids = [kept.proxy.pid, ...descendantsOf(kept.proxy.pid)];
            const rss = pids.reduce((sum, pid) => sum + rssMiB(pid), 0);
            return { ops: 1, seconds: 0, p50: Number.NaN, p99: Number.NaN, rssMiB: rss, errors: 0, errorSamples: [] };
          },
        };
      },
      async close() {
        if (kept) await shutDown(kept);
      },
    };
  },
};
