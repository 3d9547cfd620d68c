// Registry calls to a proxy namespace (already populated with the workload's 10,000 identities)
// through @prism/client, as an application makes them: Enumerate of one 1,000-identity page,
// Register (replace) and Heartbeat are calls for measure(), and Multicast to 100 listeners is
// opened on demand (registry-multicast-fan-in.mjs).
import { importBuilt } from "./built-packages.mjs";
import { openMulticastFanIn } from "./registry-multicast-fan-in.mjs";
import {
  benchIdentity,
  benchMetadata,
  checkPage,
  enumerateFilter,
  enumerateMatches,
  identityCount,
  registrationTtlMs,
} from "./registry-workload.mjs";

/**
 * Returns { Enumerate, Register, Heartbeat } calls (i → Promise) and openMulticast() on `namespace` of the
 * proxy at `url`, after checking that the Enumerate filter matches the expected 1,000 there.
 */
export async function clientRegistryCalls(url, namespace) {
  const { createPrismClient } = await importBuilt("client/dist/index.js");
  const { registry } = createPrismClient({ url, namespace });
  const register = (i) =>
    registry.register(benchIdentity(i), benchMetadata(i), { ttlMs: registrationTtlMs, replace: true, keepAlive: false });
  checkPage(await registry.enumeratePage(enumerateFilter, { limit: enumerateMatches }), enumerateMatches, namespace);
  return {
    Enumerate: async () => {
      const page = await registry.enumeratePage(enumerateFilter, { limit: enumerateMatches, includeMetadata: true });
      // Cheap next to the call, and proves every measured call did the whole job.
      if (page.identities.length !== enumerateMatches) checkPage(page, enumerateMatches, namespace);
    },
    Register: (i) => register(i % identityCount),
    Heartbeat: (i) => registry.heartbeat(benchIdentity(i % identityCount)),
    /** Opens 100 listeners on their own client (connection) and returns { call(i), close() }. */
    openMulticast: () => openMulticastFanIn(createPrismClient({ url, namespace }).registry, registry),
  };
}
