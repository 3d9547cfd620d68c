// The KeyValue acceptance suite against MemStoreKeyValue, called directly through the SDK's handlers.
import { directKeyValueCaller, keyValueAcceptanceSuite } from "@prism/testkit";
import { MemStoreKeyValue } from "./memstore-keyvalue.js";

keyValueAcceptanceSuite("memstore (direct)", {
  capabilities: { ttl: true, scan: true, batch: true },
  setup: async () => {
    const backend = new MemStoreKeyValue({ capacity: 0, eviction: "lru", maxMemoryBytes: 0, sweepIntervalMs: 50 });
    return { client: directKeyValueCaller(backend), teardown: async () => backend.close() };
  },
});
