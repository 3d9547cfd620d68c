// The memstore pattern definition: its config schema and a factory that serves MemStoreKeyValue,
// MemStorePubSub and the Multicast Registry (MemStoreRegistry with in-process LocalRegistryMessaging),
// reporting DEGRADED when the store nears its key or memory limit.
import { type ConfigOf, definePattern, field, type HealthReport, LocalRegistryMessaging, packageVersion } from "@prism/pattern-sdk";
import { MemStoreKeyValue } from "./memstore-keyvalue.js";
import { MemStorePubSub } from "./memstore-pubsub.js";
import { MemStoreRegistry } from "./memstore-registry.js";

/** Fraction of a limit at which health turns DEGRADED. */
const DEGRADED_AT = 0.9;

/** Config fields of the memstore pattern (`config:` of a memstore binding). */
const memstoreConfigSchema = {
  capacity: field.integer("most keys held at once; 0 = unlimited", { default: 100_000, min: 0 }),
  eviction: field.string<"lru" | "none">("when a new key does not fit: evict least recently used keys (lru) or refuse the write (none)", {
    values: ["lru", "none"],
    default: "lru",
  }),
  maxMemoryBytes: field.integer("most bytes held (key UTF-8 length plus value bytes); 0 = unlimited", {
    default: 0,
    min: 0,
  }),
  sweepIntervalMs: field.integer("how often expired keys and registry identities are removed from memory, in milliseconds", {
    default: 1000,
    min: 10,
  }),
  subscriberBufferSize: field.integer("messages buffered per subscriber before new ones are dropped (PubSub)", {
    default: 1024,
    min: 1,
  }),
  listenerQueue: field.integer("multicast deliveries held for one slow Listen stream; past it a delivery to it is FAILED (Registry)", {
    default: 1024,
    min: 1,
  }),
} as const;

/** The validated config of a memstore pattern instance. */
export type MemStoreConfig = ConfigOf<typeof memstoreConfigSchema>;

/** The in-memory pattern: KeyValue with TTL, capacity, LRU eviction and prefix scan; at-most-once PubSub; the Multicast Registry. */
export const memstorePattern = definePattern({
  name: "memstore",
  version: packageVersion(import.meta.url),
  config: memstoreConfigSchema,
  create(config, context) {
    const keyvalue = new MemStoreKeyValue(config);
    const pubsub = new MemStorePubSub(config);
    const store = new MemStoreRegistry({ sweepIntervalMs: config.sweepIntervalMs });
    const messaging = new LocalRegistryMessaging(config.listenerQueue);
    context.logger.debug("memstore created", { ...config });
    return {
      keyvalue,
      pubsub,
      registry: { store, messaging },
      stop() {
        keyvalue.close();
        pubsub.close();
        store.close();
        messaging.closeAll();
      },
      health(): HealthReport {
        // Expired keys still held would count towards "nearly full"; dropping them costs O(k log n) for k of them.
        keyvalue.sweepExpired();
        const stats = keyvalue.stats();
        const details = { ...stats, capacity: config.capacity, maxMemoryBytes: config.maxMemoryBytes, ...pubsub.stats() };
        const near = [
          nearLimit(stats.keys, config.capacity, "keys", "capacity"),
          nearLimit(stats.bytes, config.maxMemoryBytes, "bytes", "maxMemoryBytes"),
        ].filter((reason) => reason !== undefined);
        if (near.length > 0) return { status: "DEGRADED", message: `memstore is nearly full: ${near.join("; ")}`, details };
        return { status: "HEALTHY", details };
      },
    };
  },
});

/** Describes `used` against a nonzero `limit` when it reaches DEGRADED_AT of it. */
function nearLimit(used: number, limit: number, unit: string, setting: string): string | undefined {
  if (limit === 0 || used < limit * DEGRADED_AT) return undefined;
  return `${used} ${unit} of ${limit} (${setting}, ${Math.floor((used / limit) * 100)}%)`;
}
