// Multicast to 100 listeners, timed as an application sees it: the 100 identities the multicast
// filter matches each listen through @prism/client (`registry.listen`, all waited `ready`), and one
// call multicasts a numbered payload and resolves only once the Multicast answered (every target
// DELIVERED) AND all 100 listeners received that payload — so its latency is call → last delivery.
import { withTimeout } from "./with-timeout.mjs";
import { expectedMatches, multicastFilter, multicastListeners } from "./registry-workload.mjs";

/** How long a multicast may take to reach every listener before the call counts as an error, in ms. */
const deliveryTimeoutMs = 5_000;

/**
 * Opens a listener for each identity multicastFilter matches on `listenerRegistry` (a RegistryClient),
 * multicasts with `callerRegistry`; returns { call(i), close() }.
 */
export async function openMulticastFanIn(listenerRegistry, callerRegistry) {
  const identities = expectedMatches(multicastFilter);
  /** Payload text → { remaining, resolve } of the call waiting for it. */
  const waiting = new Map();
  let broken;
  const listeners = identities.map((identity) => listenerRegistry.listen(identity));
  const loops = listeners.map(async (listener, index) => {
    try {
      for await (const delivery of listener) {
        const wait = waiting.get(delivery.text());
        if (wait !== undefined && --wait.remaining === 0) wait.resolve();
      }
    } catch (error) {
      broken ??= new Error(`listener ${identities[index]} failed: ${error.message}`);
      for (const wait of waiting.values()) wait.reject(broken);
    }
  });
  const close = async () => {
    for (const listener of listeners) listener.close();
    await Promise.all(loops);
  };
  try {
    await withTimeout(Promise.all(listeners.map((l) => l.ready)), 10_000, "the multicast listeners were not ready within 10 s");
  } catch (error) {
    await close();
    throw error;
  }

  return {
    async call(i) {
      if (broken) throw broken;
      const payload = `m${i}`;
      const all = new Promise((resolve, reject) => waiting.set(payload, { remaining: identities.length, resolve, reject }));
      all.catch(() => {}); // awaited below unless the Multicast itself failed first
      try {
        const result = await callerRegistry.multicast(multicastFilter, payload, { timeoutMs: deliveryTimeoutMs });
        if (result.targetCount !== multicastListeners || result.deliveredCount !== multicastListeners) {
          const other = result.statuses.find((s) => s.status !== "DELIVERED");
          throw new Error(
            `Multicast delivered ${result.deliveredCount} of ${result.targetCount} targets, expected ${multicastListeners}` +
              (other ? ` (${other.identity}: ${other.status} ${other.message})` : ""),
          );
        }
        await withTimeout(all, deliveryTimeoutMs, `not every listener received ${payload} within ${deliveryTimeoutMs} ms`);
      } finally {
        waiting.delete(payload);
      }
    },
    close,
  };
}
