// Scenario "kv-operations": what the operations surface costs. KeyValue Get on memstore, in-process
// and as a pattern process, through three proxies run side by side in this scenario: metrics off,
// metrics on (the default), and metrics on with tracing exporting every call's spans over OTLP to
// a sink in this process. Each at the bench's concurrency and at 1 call in flight; the variants of
// one isolation are measured interleaved (alternating one-second slices), so that a few percent
// between them is the proxies' difference, not the machine's drift.
import { createServer } from "node:http";
import { createGrpcLoad } from "./grpc-load.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { measureInterleaved } from "./interleaved-measure.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

const variants = {
  "metrics off": () => ({ metrics: { enabled: false } }),
  "metrics on": () => ({}),
  "metrics + tracing on": (sink) => ({ tracing: { otlpEndpoint: sink } }),
};
const namespaces = {
  default: { keyvalue: { backend: "memstore", config: { capacity: 0 } } },
  cache: { keyvalue: { backend: "memstore", isolation: "process", config: { capacity: 0 } } },
};
const legend =
  "kv-operations: the metrics off / on / tracing rows of one isolation were measured interleaved, in alternating 1-s slices " +
  "(ops/s over all slices; p50 and p99 are medians of the slices')";
const targets = Object.keys(variants).flatMap((variant) => [`proxy memstore inprocess, ${variant}`, `proxy memstore process, ${variant}`]);

/** An OTLP/HTTP endpoint that accepts and drops every export. */
async function startSink() {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The proxies the selected targets need (one per variant), their loads and the sink; closed in reverse order. */
async function openProxies(selected) {
  const sink = await startSink();
  const opened = [];
  const calls = {};
  for (const [variant, extra] of Object.entries(variants)) {
    if (!selected.some((target) => target.endsWith(`, ${variant}`))) continue;
    const proxy = await startBenchProxy({ ...extra(sink.url), namespaces });
    const load = await createGrpcLoad(proxy.url, { sessions: 4 });
    opened.push({ proxy, load });
    calls[`proxy memstore inprocess, ${variant}`] = await grpcKvCalls(load, "default");
    calls[`proxy memstore process, ${variant}`] = await grpcKvCalls(load, "cache");
  }
  return {
    calls,
    async close() {
      for (const { proxy, load } of opened.reverse()) {
        await load.close();
        await proxy.stop();
      }
      await sink.close();
    },
  };
}

export const kvOperationsScenario = {
  name: "kv-operations",
  targets,

  /** Yields Get at the bench's concurrency and at 1 in flight for each selected target. */
  open(selected) {
    let opened;
    return {
      async *cases() {
        opened = await openProxies(selected);
        for (const isolation of ["inprocess", "process"]) {
          const chosen = selected.filter((target) => target.startsWith(`proxy memstore ${isolation},`));
          if (chosen.length === 0) continue;
          const gets = Object.fromEntries(chosen.map((target) => [target, opened.calls[target].Get]));
          let results;
          let single;
          for (const target of chosen) {
            yield {
              target,
              op: "Get",
              legend,
              run: async (options) => {
                results ??= await measureInterleaved(gets, options);
                return results[target];
              },
            };
          }
          for (const target of chosen) {
            yield {
              target,
              op: "Get ×1 in flight",
              legend,
              run: async (options) => {
                single ??= await measureInterleaved(gets, { ...options, concurrency: 1 });
                return single[target];
              },
            };
          }
        }
      },
      async close() {
        await opened?.close();
      },
    };
  },
};
