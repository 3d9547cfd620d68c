// Redis names of a namespace's registry, all under the pattern's key prefix (`prism:<namespace>:` by
// default), so namespaces sharing one Redis never see each other's identities or deliveries. On a Redis
// Cluster the four keys carry one hash tag (`{<keyPrefix>registry}`), so they share a slot and each
// registry script, which touches all four, runs on one node; different namespaces land on different slots.
import type { RegistryKeys } from "./redis-registry-scripts.js";

/** The keys of the registry under `keyPrefix`, in script order (see redis-registry-scripts.ts); `sameSlot` for a Redis Cluster. */
export function registryKeys(keyPrefix: string, sameSlot = false): RegistryKeys {
  const base = sameSlot ? `{${keyPrefix}registry}` : `${keyPrefix}registry`;
  return [
    `${base}:data`, // HASH identity -> record
    `${base}:expiry`, // ZSET identity scored by expiresAtMs
    `${base}:meta`, // HASH {epoch, seq, trimmed}
    `${base}:changes`, // ZSET identity scored by the seq of its last change
  ];
}

/** What precedes the identity in the pub/sub channel of its deliveries: `<keyPrefix>registry:inbox:`. */
export function registryInboxPrefix(keyPrefix: string): string {
  return `${keyPrefix}registry:inbox:`;
}
