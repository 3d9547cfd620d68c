// Scenario "scale-out": KeyValue Get and Set over one private redis-server through 1 proxy and
// through 3 proxies (the same config, calls spread round robin over the three by one load
// generator), measured interleaved in alternating 1-s slices. On a 2-core machine the three proxies,
// Redis and the load generator share the same cores, so little gain is expected here: the rows say
// what one machine allows, not what more machines would.
import { importBuilt } from "./built-packages.mjs";
import { createGrpcLoad } from "./grpc-load.mjs";
import { measureInterleaved } from "./interleaved-measure.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

const targets = ["1 proxy, redis inprocess", "3 proxies, redis inprocess"];
const legend =
  "scale-out: 1 and 3 proxies over one redis-server, measured interleaved in 1-s slices; the 3 proxies share this machine's cores " +
  "with Redis and the load generator";

/** Calls spread round robin over several { Get, Set } call sets. */
function roundRobin(callSets) {
  const n = callSets.length;
  return { Get: (i) => callSets[i % n].Get(i), Set: (i) => callSets[i % n].Set(i) };
}

export const scaleOutScenario = {
  name: "scale-out",
  targets,

  /** Yields Get and Set for each selected target, measured interleaved per op. */
  open(selected) {
    const opened = [];
    let redis;
    return {
      async *cases() {
        const testing = await importBuilt("testkit/dist/index.js");
        redis = await testing.startRedisServer();
        const config = { namespaces: { default: { keyvalue: { backend: "redis", config: { url: redis.url } } } } };
        const callsOf = async (count) => {
          const sets = [];
          for (let i = 0; i < count; i++) {
            const proxy = await startBenchProxy(config);
            const load = await createGrpcLoad(proxy.url, { sessions: 4 });
            opened.push({ proxy, load });
            sets.push(await grpcKvCalls(load, "default"));
          }
          return roundRobin(sets);
        };
        const calls = {};
        for (const target of selected) calls[target] = await callsOf(target.startsWith("3") ? 3 : 1);
        for (const op of ["Get", "Set"]) {
          let results;
          for (const target of selected) {
            yield {
              target,
              op,
              legend,
              run: async (options) => {
                results ??= await measureInterleaved(Object.fromEntries(selected.map((each) => [each, calls[each][op]])), options);
                return results[target];
              },
            };
          }
        }
      },
      async close() {
        for (const { proxy, load } of opened.reverse()) {
          await load.close();
          await proxy.stop();
        }
        await redis?.stop();
      },
    };
  },
};
