// KeyValue calls to a proxy through the @prism/client library (its lean node:http2 gRPC transport,
// the Node default, or connect-node's), to show what the client library itself adds on top of the
// lean caller.
import { importBuilt } from "./built-packages.mjs";
import { benchKeys, benchValue } from "./kv-workload.mjs";

/**
 * Returns { Get, Set } call functions through createPrismClient, with the keys pre-populated;
 * `nodeTransport` is "lean" (the default) or "connect".
 */
export async function clientKvCalls(url, namespace, nodeTransport = "lean") {
  const { createPrismClient } = await importBuilt("client/dist/index.js");
  const { kv } = createPrismClient({ url, namespace, nodeTransport });
  for (const key of benchKeys) await kv.set(key, benchValue);
  const n = benchKeys.length;
  return {
    Get: (i) => kv.get(benchKeys[i % n]),
    Set: (i) => kv.set(benchKeys[i % n], benchValue),
  };
}
