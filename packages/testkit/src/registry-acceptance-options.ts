// The types of the Multicast Registry acceptance suite: the client shape it drives (a Connect client
// for RegistryService, or a direct adapter with the same shape), the subject under test and the options.
import type { Client } from "@connectrpc/connect";
import type { RegistryService } from "@prism/proto/registry/v1";

/**
 * Every RegistryService method in Connect client shape: request init in, response message out (Listen as
 * an async iterable that the call's `signal` ends), `ConnectError` on failure.
 */
export type RegistryCaller = Pick<
  Client<typeof RegistryService>,
  "register" | "heartbeat" | "unregister" | "get" | "enumerate" | "listen" | "multicast"
>;

/** A caller on a registry of its own whose `limits.maxIdentities` is small, for the identity-limit cases. */
export interface LimitedRegistry {
  /** Drives a registry (namespace) that nothing else uses, with the limits below and the defaults otherwise. */
  client: RegistryCaller;
  /** Its `limits.maxIdentities`: between 2 and 50. */
  maxIdentities: number;
}

/** One backend under test: a caller for it, how to release it, and optional extras that enable more cases. */
export interface RegistrySubject {
  /** Drives the backend (directly, through a pattern process, or through the proxy). */
  client: RegistryCaller;
  /** Releases whatever `setup` started; called once after the last case. */
  teardown?: () => Promise<void>;
  /** Listen streams the backend holds open; when given, the suite checks that closed listeners are released. */
  listenerCount?: () => Promise<number>;
  /** A second registry with a small identity limit; when given, the RESOURCE_EXHAUSTED cases run against it. */
  limited?: LimitedRegistry;
}

/** Timing the backend needs for the TTL cases; every field has a default that suits memstore and Redis. */
export interface RegistryTiming {
  /**
   * A TTL in milliseconds that the backend honours to within its resolution and that outlives a few
   * calls in a row; default 600. Cases wait (polling, bounded) for it to pass, they never assert on time.
   */
  shortTtlMs?: number;
  /** How long a case may wait for a short TTL to pass before failing, in milliseconds; default 15000. */
  expiryBoundMs?: number;
  /**
   * How long after an identity's expires_at_ms the backend may still return it, in milliseconds; default
   * 100. Past that, get, Enumerate and Multicast must not see it, whatever the backend's cleanup pace.
   */
  ttlResolutionMs?: number;
}

/** Options of `registryAcceptanceSuite`. */
export interface RegistryAcceptanceOptions {
  /** Creates the subject once, before the first case. */
  setup: () => Promise<RegistrySubject>;
  /** TTL timing; the defaults fit backends that expire to the millisecond (memstore, Redis). */
  timing?: RegistryTiming;
}
