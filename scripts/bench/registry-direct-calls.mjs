// Enumerate called in this process, straight on a registry pattern's store (no proxy, no network to
// the caller, no handlers): the floor the proxied targets are compared with. The filter is compiled
// per call with @prism/pattern-sdk/host's compileFilter, as the handlers do. Memstore: a
// MemStoreRegistry; Redis: the store of a redis pattern instance created from its definition for a
// proxy namespace (same key prefix, so the same identities). Also how registries are populated
// straight on a store (Redis namespaces are filled this way, far faster than through the proxy).
import { importBuilt } from "./built-packages.mjs";
import {
  benchIdentity,
  benchMetadata,
  checkPage,
  enumerateFilter,
  enumerateMatches,
  forEachConcurrently,
  identityCount,
  populateConcurrency,
  registrationTtlMs,
} from "./registry-workload.mjs";

/** Filter bounds the compiler checks: the registry limits' defaults. */
const filterLimits = { maxFilterDepth: 5, maxFilterLeaves: 20 };
/** Most live identities, as the registry limits' default. */
const maxIdentities = 100_000;

/** Registers the workload's identities in `store` (replace: true, so it is idempotent). */
export async function populateStore(store) {
  await forEachConcurrently(identityCount, populateConcurrency, (i) =>
    store.register({ identity: benchIdentity(i), metadata: benchMetadata(i), ttlMs: registrationTtlMs, replace: true, maxIdentities }),
  );
}

/** Returns { Enumerate } over a populated `store`, after checking the filter matches the expected 1,000. */
async function storeCalls(store, where) {
  const { compileFilter } = await importBuilt("pattern-sdk/dist/host.js");
  const { toFilter } = await importBuilt("client/dist/index.js");
  const wire = toFilter(enumerateFilter);
  const page = () =>
    store.enumerate({ filter: compileFilter(wire, filterLimits), after: "", limit: enumerateMatches, includeMetadata: true });
  checkPage(await page(), enumerateMatches, where);
  return {
    Enumerate: async () => {
      const result = await page();
      if (result.identities.length !== enumerateMatches) checkPage(result, enumerateMatches, where);
    },
  };
}

/** A populated MemStoreRegistry; { calls: { Enumerate }, close }. */
export async function directMemstoreRegistry() {
  const { MemStoreRegistry } = await importBuilt("pattern-memstore/dist/index.js");
  const store = new MemStoreRegistry({ sweepIntervalMs: 1000 });
  await populateStore(store);
  return { calls: await storeCalls(store, "MemStoreRegistry"), close: () => store.close() };
}

/**
 * Creates and starts a redis pattern instance for `namespace` on the Redis at `url` (so its store
 * reads and writes that namespace's keys, as the proxy's instance does); resolves to { store, close }.
 */
export async function openRedisRegistryStore(url, namespace) {
  const { redisPattern } = await importBuilt("pattern-redis/dist/index.js");
  const { createLogger, parseConfig } = await importBuilt("pattern-sdk/dist/host.js");
  const logger = createLogger({ level: "warn", fields: { bench: "redis registry store" } });
  const instance = await redisPattern.create(parseConfig(redisPattern.config, { url }), { namespace, logger });
  try {
    await instance.start?.();
    if (instance.registry === undefined) throw new Error("the built redis pattern has no registry (rebuild @prism/pattern-redis)");
    return { store: instance.registry.store, close: async () => instance.stop?.() };
  } catch (error) {
    await instance.stop?.();
    throw error;
  }
}

/** { calls: { Enumerate } } on a redis pattern store of `namespace`, which `populated()` fills first; close() stops the instance. */
export async function directRedisRegistry(url, namespace, populated) {
  const { store, close } = await openRedisRegistryStore(url, namespace);
  try {
    await populated();
    return { calls: await storeCalls(store, `redis pattern store (${namespace})`), close };
  } catch (error) {
    await close();
    throw error;
  }
}
