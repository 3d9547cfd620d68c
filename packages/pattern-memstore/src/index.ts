// @prism/pattern-memstore: the in-memory Prism pattern (KeyValue with TTL, capacity, LRU eviction, prefix scan).
export { MemStoreKeyValue, type MemStoreKeyValueOptions, type MemStoreStats } from "./memstore-keyvalue.js";
export { memstorePattern } from "./memstore-pattern.js";
