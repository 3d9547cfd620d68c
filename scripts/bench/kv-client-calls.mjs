// KeyValue calls to a proxy through the @prism/client library (Connect-node gRPC transport), to
// show what the client library itself adds on top of the lean caller.
import { importBuilt } from "./built-packages.mjs";
import { benchKeys, benchValue } from "./kv-workload.mjs";

/** Returns { Get, Set } call functions through createPrismClient, with the keys pre-populated. */
export async function clientKvCalls(url, namespace) {
  const { createPrismClient } = await importBuilt("client/dist/index.js");
  const { kv } = createPrismClient({ url, namespace });
  for (const key of benchKeys) await kv.set(key, benchValue);
  const n = benchKeys.length;
  return {
    Get: (i) => kv.get(benchKeys[i % n]),
    Set: (i) => kv.set(benchKeys[i % n], benchValue),
  };
}
