// registryAcceptanceSuite: the one Multicast Registry acceptance suite every backend runs unchanged,
// directly (directRegistryCaller) or through a pattern process or the proxy (a Connect client).
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, vi } from "vitest";
import { enumerateAll, identityPrefix, LONG_TTL_MS, type RegistryAcceptanceContext, wireMetadata } from "./registry-acceptance-helpers.js";
import type { RegistryAcceptanceOptions, RegistrySubject } from "./registry-acceptance-options.js";
import { registerRegistryCoreCases } from "./registry-core-cases.js";
import { registerRegistryFilterCases } from "./registry-filter-cases.js";
import { registerRegistryLimitCases } from "./registry-limit-cases.js";
import { openListener, type RegistryListenerHandle } from "./registry-listener.js";
import { registerRegistryMulticastCases } from "./registry-multicast-cases.js";
import { registerRegistryPaginationCases } from "./registry-pagination-cases.js";
import { registerRegistryTtlCases } from "./registry-ttl-cases.js";

/**
 * Registers the Multicast Registry acceptance cases (vitest) for one backend: core (register, replace,
 * conflict, get, heartbeat, unregister, validation), TTL (expiry is never returned, heartbeats extend),
 * every filter operator, type rule and combinator, pagination (with concurrent changes), multicast
 * (statuses, deliveries, many listeners, presence) and limits (the identity limit only when the subject
 * has a `limited` registry). Every identity lives under a random per-run prefix (`acc-<hex>/`) and every
 * Enumerate and Multicast filters on it, so runs may share a backend; what a run leaves registered is
 * unregistered before `teardown`. Listeners a case leaves open are closed after it; when the subject has
 * a `listenerCount`, cases check that the backend holds exactly its count before the run plus the run's
 * open listeners (that assumes no one else listens on the same backend during the run).
 * The subject must have the default registry and PubSub limits (`limits:`).
 */
export function registryAcceptanceSuite(name: string, options: RegistryAcceptanceOptions): void {
  describe(`Registry acceptance: ${name}`, () => {
    const run = `acc-${randomBytes(6).toString("hex")}/`;
    let subject: RegistrySubject | undefined;
    /** Listeners the backend held before this run opened any, when it counts them. */
    let baseline = 0;
    /** Listeners opened by the current case. */
    const open = new Set<RegistryListenerHandle>();
    beforeAll(async () => {
      subject = await options.setup();
      baseline = (await subject.listenerCount?.()) ?? 0;
    });
    afterEach(async () => {
      const listeners = [...open];
      open.clear();
      await Promise.all(listeners.map((listener) => listener.close()));
      // Every case ends with nothing of this run listening on the backend: a leak fails the case.
      await context.expectBackendListeners();
    });
    afterAll(async () => {
      try {
        if (subject) await unregisterRun(subject, run);
      } finally {
        await subject?.teardown?.();
      }
    });

    const current = (): RegistrySubject => {
      if (!subject) throw new Error(`Registry acceptance "${name}": setup() did not produce a subject`);
      return subject;
    };
    const timing = options.timing ?? {};
    const context: RegistryAcceptanceContext = {
      caller: () => current().client,
      subject: current,
      identity: (suffix) => `${run}${suffix}`,
      register: (identity, metadata = {}, registerOptions = {}) =>
        current().client.register({
          identity,
          metadata: wireMetadata(metadata),
          ttlMs: registerOptions.ttlMs ?? LONG_TTL_MS,
          replace: registerOptions.replace ?? false,
        }),
      listen: async (identity, listenerOptions) => {
        const listener = await openListener(current().client, identity, listenerOptions);
        open.add(listener);
        return listener;
      },
      countsListeners: () => subject?.listenerCount !== undefined,
      expectBackendListeners: async () => {
        const count = subject?.listenerCount;
        if (!count) return;
        await vi.waitFor(
          async () => {
            const expected = baseline + [...open].filter((listener) => !listener.ended).length;
            expect(await count(), "listeners open on the backend (before this run + this run's open listeners)").toBe(expected);
          },
          { timeout: 10_000, interval: 10 },
        );
      },
      shortTtlMs: BigInt(timing.shortTtlMs ?? 600),
      expiryBoundMs: timing.expiryBoundMs ?? 15_000,
      ttlResolutionMs: timing.ttlResolutionMs ?? 100,
    };
    registerRegistryCoreCases(context);
    registerRegistryTtlCases(context);
    registerRegistryFilterCases(context);
    registerRegistryPaginationCases(context);
    registerRegistryMulticastCases(context);
    registerRegistryLimitCases(context);
  });
}

/** Unregisters every identity of the run still registered, so a shared backend is left as found. */
async function unregisterRun(subject: RegistrySubject, run: string): Promise<void> {
  const { identities } = await enumerateAll(subject.client, identityPrefix(run), { limit: 1000 });
  for (let start = 0; start < identities.length; start += 100) {
    const chunk = identities.slice(start, start + 100);
    await Promise.all(chunk.map((each) => subject.client.unregister({ identity: each.identity })));
  }
}
