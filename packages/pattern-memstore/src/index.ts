// @prism/pattern-memstore: the in-memory Prism pattern (KeyValue with TTL, capacity, LRU eviction,
// prefix scan; PubSub fan-out; Multicast Registry), the proxy's zero-config default. MemStoreKeyValue and
// MemStoreRegistry are also usable on their own as an in-memory KeyValueBackend and RegistryStore.
export { MemStoreKeyValue, type MemStoreKeyValueOptions, type MemStoreStats } from "./memstore-keyvalue.js";
export { type MemStoreConfig, memstorePattern } from "./memstore-pattern.js";
export { MemStoreRegistry, type MemStoreRegistryOptions, type MemStoreRegistryStats } from "./memstore-registry.js";
