// @prism/pattern-memstore: the in-memory Prism pattern (KeyValue with TTL, capacity, LRU eviction,
// prefix scan; PubSub fan-out), the proxy's zero-config default. MemStoreKeyValue is also usable
// on its own as an in-memory KeyValueBackend.
export { MemStoreKeyValue, type MemStoreKeyValueOptions, type MemStoreStats } from "./memstore-keyvalue.js";
export { type MemStoreConfig, memstorePattern } from "./memstore-pattern.js";
