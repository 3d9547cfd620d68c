// The contract a Multicast Registry pattern implements, in two slots (RFC-017): a store, where
// identities with typed metadata and a TTL live, and messaging, how a multicast reaches the Listen
// streams of its targets (which may be held by another proxy). The handlers validate every input,
// compile the filter and orchestrate Listen and Multicast over the two slots.
import type { CallContext } from "@prism/wire";
import type { CompiledFilter } from "./compiled-filter.js";

/** One typed metadata value: a string, a finite number, a boolean or a list of strings. */
export type MetadataValue = string | number | boolean | readonly string[];

/** Typed metadata of an identity, by field name. */
export type RegistryMetadata = Readonly<Record<string, MetadataValue>>;

/** An identity as stored. */
export interface RegisteredIdentity {
  /** The identity's name, unique in the namespace. */
  identity: string;
  /** Its metadata. */
  metadata: RegistryMetadata;
  /** When it was (last) registered, Unix milliseconds. */
  registeredAtMs: number;
  /** When it expires unless heartbeated, Unix milliseconds. */
  expiresAtMs: number;
  /** The TTL it was registered with, in milliseconds (a heartbeat with ttl 0 renews by this). */
  ttlMs: number;
}

/** A validated registration. */
export interface RegistrationRequest {
  /** 1-256 characters. */
  identity: string;
  /** Validated metadata. */
  metadata: RegistryMetadata;
  /** Time to live, > 0. */
  ttlMs: number;
  /** Overwrite a live identity of the same name instead of ALREADY_EXISTS. */
  replace: boolean;
  /** Most live identities the namespace may hold; registering a new one beyond is RESOURCE_EXHAUSTED. */
  maxIdentities: number;
}

/** What a registration answers. */
export interface RegistrationResult {
  /** Unix milliseconds. */
  registeredAtMs: number;
  /** Unix milliseconds. */
  expiresAtMs: number;
}

/** One page request of Enumerate, validated. */
export interface EnumeratePageRequest {
  /** The compiled filter (its `matches` decides; `identityPrefix` narrows the search when set). */
  filter: CompiledFilter;
  /** Return identities strictly after this one ("" = from the start), in ascending order. */
  after: string;
  /** Most identities returned, > 0. */
  limit: number;
  /** Whether metadata is returned (the filter sees it either way). */
  includeMetadata: boolean;
}

/** One page of Enumerate. */
export interface EnumeratePage {
  /** Matching live identities after `after`, ascending by identity, at most `limit`. */
  identities: RegisteredIdentity[];
  /** More matching identities follow this page. */
  more: boolean;
  /** Matching live identities in the whole registry when the page was read. */
  totalCount: number;
}

/**
 * Where identities live. Expired identities are never returned, whatever the backend's cleanup
 * pace. Errors are ConnectErrors (ALREADY_EXISTS, RESOURCE_EXHAUSTED, UNAVAILABLE).
 */
export interface RegistryStore {
  /** Registers an identity. ALREADY_EXISTS for a live one unless `replace`; RESOURCE_EXHAUSTED past `maxIdentities`. */
  register(request: RegistrationRequest, context?: CallContext): Promise<RegistrationResult>;
  /** Extends a live identity's TTL by `ttlMs` from now (0 = its registered TTL); the new expiry, or undefined when it is not live. */
  heartbeat(identity: string, ttlMs: number, context?: CallContext): Promise<number | undefined>;
  /** Removes an identity; whether a live one was removed. */
  unregister(identity: string, context?: CallContext): Promise<boolean>;
  /** A live identity, or undefined. */
  get(identity: string, context?: CallContext): Promise<RegisteredIdentity | undefined>;
  /** One page of the live identities the filter matches. */
  enumerate(request: EnumeratePageRequest, context?: CallContext): Promise<EnumeratePage>;
  /** Live identities (for health). */
  size(): Promise<number> | number;
}

/** One multicast message as listeners receive it. */
export interface RegistryDelivery {
  /** Opaque payload. */
  payload: Uint8Array;
  /** Describes the payload ("" = none). */
  contentType: string;
  /** String metadata. */
  metadata: Record<string, string>;
  /** Unique per multicast. */
  messageId: string;
  /** When the multicast was sent, Unix milliseconds. */
  sentAtMs: number;
}

/** The outcome of a multicast for one target. */
export type DeliveryOutcome =
  | { status: "DELIVERED" }
  | { status: "NOT_LISTENING" }
  | { status: "TIMEOUT" }
  | { status: "FAILED"; message: string };

/** An open Listen: the deliveries of one identity. Ending the iteration closes it. */
export interface RegistryListener extends AsyncIterable<RegistryDelivery> {
  /** Stops listening and releases its resources. Safe to call twice. */
  close(): Promise<void> | void;
}

/** How multicasts reach listeners. */
export interface RegistryMessaging {
  /** Opens the delivery channel of `identity`; resolves once the listener is in place. Ends when `signal` aborts. */
  listen(identity: string, signal: AbortSignal): Promise<RegistryListener>;
  /**
   * Delivers `delivery` to each of `targets`; resolves within `timeoutMs` with one outcome per
   * target (in the order of `targets`): DELIVERED once a listener accepted it, NOT_LISTENING when
   * none is open, TIMEOUT when no answer came in time.
   */
  deliver(targets: readonly string[], delivery: RegistryDelivery, timeoutMs: number): Promise<DeliveryOutcome[]>;
  /** Open listeners on this instance (for health and leak tests). */
  listenerCount(): number;
}

/** A Multicast Registry backend: its two slots, and how to release them. */
export interface RegistryBackend {
  /** Where identities live. */
  readonly store: RegistryStore;
  /** How multicasts reach listeners. */
  readonly messaging: RegistryMessaging;
}
