// Redis names of a namespace's registry, all under the pattern's key prefix (`prism:<namespace>:` by
// default), so namespaces sharing one Redis never see each other's identities or deliveries.
import type { RegistryKeys } from "./redis-registry-scripts.js";

/** The keys of the registry under `keyPrefix`, in script order (see redis-registry-scripts.ts). */
export function registryKeys(keyPrefix: string): RegistryKeys {
  return [
    `${keyPrefix}registry:data`, // HASH identity -> record
    `${keyPrefix}registry:expiry`, // ZSET identity scored by expiresAtMs
    `${keyPrefix}registry:meta`, // HASH {epoch, seq, trimmed}
    `${keyPrefix}registry:changes`, // ZSET identity scored by the seq of its last change
  ];
}

/** What precedes the identity in the pub/sub channel of its deliveries: `<keyPrefix>registry:inbox:`. */
export function registryInboxPrefix(keyPrefix: string): string {
  return `${keyPrefix}registry:inbox:`;
}
