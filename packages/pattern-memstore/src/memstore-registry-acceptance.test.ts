// The Multicast Registry acceptance suite against the memstore pattern's registry (MemStoreRegistry
// with LocalRegistryMessaging), called directly through the SDK's handlers.
import { directRegistryCaller, registryAcceptanceSuite, startPatternInstance } from "@prism/testkit";
import { memstorePattern } from "./memstore-pattern.js";

/** The identity limit of the second, limited registry. */
const LIMITED_MAX_IDENTITIES = 5;

registryAcceptanceSuite("memstore (direct)", {
  setup: async () => {
    const [started, limited] = await Promise.all([
      startPatternInstance(memstorePattern, {}, "acceptance"),
      startPatternInstance(memstorePattern, {}, "acceptance-limited"),
    ]);
    const registry = started.instance.registry!;
    return {
      client: directRegistryCaller(registry),
      listenerCount: async () => registry.messaging.listenerCount(),
      limited: {
        client: directRegistryCaller(limited.instance.registry!, { maxIdentities: LIMITED_MAX_IDENTITIES }),
        maxIdentities: LIMITED_MAX_IDENTITIES,
      },
      teardown: async () => {
        await Promise.all([started.stop(), limited.stop()]);
      },
    };
  },
});
