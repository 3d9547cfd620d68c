// KeyValue calls made in this process, straight into the pattern-sdk's validated KeyValue handlers
// over a backend (no network, no framing): the floor every proxied target is compared with.
import { importBuilt } from "./built-packages.mjs";
import { benchKeys, benchValue, loadKvProtocol } from "./kv-workload.mjs";

/** Returns { Get, Set } call functions over `backend`, with the keys pre-populated. */
export async function directKvCalls(backend) {
  const { createKeyValueHandlers, defaultKeyValueLimits } = await importBuilt("pattern-sdk/dist/host.js");
  const { create, GetRequestSchema, SetRequestSchema } = await loadKvProtocol();
  const handlers = createKeyValueHandlers(backend, defaultKeyValueLimits);
  const context = { signal: new AbortController().signal };
  // Messages built up front, as the proxy hands handlers already-decoded requests.
  const gets = benchKeys.map((key) => create(GetRequestSchema, { key }));
  const sets = benchKeys.map((key) => create(SetRequestSchema, { key, value: benchValue }));
  for (const request of sets) await handlers.set(request, context);
  const n = benchKeys.length;
  return {
    Get: (i) => handlers.get(gets[i % n], context),
    Set: (i) => handlers.set(sets[i % n], context),
  };
}
