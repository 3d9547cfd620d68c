// @prism/pattern-memstore: the in-memory Prism pattern (KeyValue with TTL, capacity, LRU eviction, prefix scan; PubSub fan-out).
export { MemStoreKeyValue, type MemStoreKeyValueOptions, type MemStoreStats } from "./memstore-keyvalue.js";
export { memstorePattern } from "./memstore-pattern.js";
export { MemStorePubSub, type MemStorePubSubOptions, type MemStorePubSubStats } from "./memstore-pubsub.js";
/** The subscriptions MemStorePubSub opens: the SDK's LocalSubscription, under its former name. */
export { LocalSubscription as MemStoreSubscription } from "@prism/pattern-sdk";
