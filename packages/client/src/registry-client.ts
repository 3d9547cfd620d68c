// RegistryClient: the Multicast Registry API of one namespace over a Connect transport: register
// identities with typed metadata (a handle that heartbeats by itself), find them with a filter (the
// JSON form, the string form or a wire Filter), multicast one message to every match, and listen
// for the messages multicast to an identity.
import { type Client, type Transport, createClient } from "@connectrpc/connect";
import { DeliveryStatus, type EnumerateResponse, type Filter, type Identity, RegistryService } from "@prism/proto/registry/v1";
import { type CallDefaults, type CallOptions, toConnectCallOptions } from "./call-options.js";
import { InternalError, InvalidArgumentError } from "./errors/error-classes.js";
import type { PrismError } from "./errors/prism-error.js";
import { toPrismError } from "./errors/to-prism-error.js";
import { type Registration, RegistrationHandle, type RegistrationTimes } from "./registration.js";
import { type FilterLimits, resolveFilterLimits } from "./registry-filter/filter-limits.js";
import { type RegistryFilter, toFilter } from "./registry-filter/to-filter.js";
import { type ListenOptions, type RegistryListener, openRegistryListener } from "./registry-listener.js";
import { type RegistryMetadata, metadataFromWire, metadataToWire } from "./registry-metadata.js";
import { type PrismValue, toBytes } from "./value.js";

/** Options of `register`: TTL, replace, keep-alive, plus the call options (applied to every call the registration makes). */
export type RegisterOptions = CallOptions & {
  /** Time to live in milliseconds; absent or 0 = the namespace's default TTL; fractions round up. */
  ttlMs?: number;
  /** Overwrite a live registration of the same identity instead of failing with AlreadyExistsError. */
  replace?: boolean;
  /** Heartbeat by itself until close() or abort (default true). */
  keepAlive?: boolean;
  /** Milliseconds between keep-alive heartbeats; default a third of the TTL the server granted. */
  heartbeatIntervalMs?: number;
  /** Told about keep-alive failures (each is retried at the next tick); without it they are silent. */
  onError?: (error: PrismError) => void;
  /** Cancels the Register call; once registered, aborting closes the registration (unregistering it). */
  signal?: AbortSignal;
};

/** One registered identity as the registry holds it. */
export type RegisteredIdentity = {
  /** The identity. */
  identity: string;
  /** Its metadata (empty when the enumeration was asked not to include it). */
  metadata: Record<string, string | number | boolean | string[]>;
  /** When it was (last) registered. */
  registeredAt: Date;
  /** When it expires unless heartbeated. */
  expiresAt: Date;
};

/** Options of `enumerate`: page size and whether to fetch metadata, plus call options (applied per page). */
export type EnumerateOptions = CallOptions & {
  /** Identities fetched per round trip; 0 or absent = the namespace's default page size. */
  pageSize?: number;
  /** Fetch each identity's metadata (default true). */
  includeMetadata?: boolean;
};

/** Options of `enumeratePage`. */
export type EnumeratePageOptions = CallOptions & {
  /** The previous page's nextCursor; absent = the first page. */
  cursor?: string;
  /** Most identities in this page; 0 or absent = the namespace's default page size. */
  limit?: number;
  /** Fetch each identity's metadata (default true). */
  includeMetadata?: boolean;
};

/** One page of an enumeration. */
export type EnumeratePage = {
  /** The identities of this page, ordered by identity. */
  identities: RegisteredIdentity[];
  /** Pass it as `cursor` for the next page; undefined when this was the last page. */
  nextCursor: string | undefined;
  /** How many identities matched in the whole registry when this page was read. */
  totalCount: number;
};

/** Options of `multicast`. `timeoutMs` is how long the server waits for deliveries; the call's own deadline allows for it. */
export type MulticastOptions = Omit<CallOptions, "timeoutMs"> & {
  /** Content type of the payload (optional, delivered as is). */
  contentType?: string;
  /** String metadata delivered with the message. */
  metadata?: Record<string, string>;
  /** The answer comes within this many milliseconds whatever happens; 0 or absent = the namespace default. */
  timeoutMs?: number;
};

/** The outcome of a multicast for one target. */
export type MulticastStatus = "DELIVERED" | "NOT_LISTENING" | "TIMEOUT" | "FAILED";

/** What happened to a multicast, per target. */
export type MulticastResult = {
  /** Identities the filter matched. */
  targetCount: number;
  /** Targets whose listener accepted the message. */
  deliveredCount: number;
  /** One per target, ordered by identity. */
  statuses: { identity: string; status: MulticastStatus; message: string }[];
};

/** Settings of a registry client beyond the call defaults. */
export type RegistryClientOptions = {
  /**
   * Bounds the client checks JSON and string filters against before sending them (default: the server's
   * defaults, depth 5 and 20 conditions); raise them when the namespace's limits are raised. The server
   * checks its own limits whatever the client did.
   */
  filterLimits?: Partial<FilterLimits>;
  /** Re-attach listeners after UNAVAILABLE (the transport has several endpoints). Default false. */
  reattach?: boolean;
};

/** The Multicast Registry API of one namespace; every method throws PrismError subclasses. */
export interface RegistryClient {
  /**
   * Registers `identity` with `metadata` and returns a handle that, by default, heartbeats by itself until
   * closed or aborted. Throws AlreadyExistsError when it is registered and live (unless `replace`).
   */
  register(identity: string, metadata?: RegistryMetadata, options?: RegisterOptions): Promise<Registration>;
  /** Extends a live identity's TTL (by `ttlMs`, or absent/0 = its registered TTL); resolves with the new expiry. */
  heartbeat(identity: string, ttlMs?: number, options?: CallOptions): Promise<Date>;
  /** Removes an identity; resolves true when a live one was removed (a missing one is not an error). */
  unregister(identity: string, options?: CallOptions): Promise<boolean>;
  /** Reads one live identity; throws IdentityNotFoundError when it is not registered or has expired. */
  get(identity: string, options?: CallOptions): Promise<RegisteredIdentity>;
  /** Iterates over every live identity `filter` matches (absent = all), in identity order, fetching page after page. */
  enumerate(filter?: RegistryFilter, options?: EnumerateOptions): AsyncIterable<RegisteredIdentity>;
  /** Fetches one page of the identities `filter` matches; pass `nextCursor` back for the next one. */
  enumeratePage(filter?: RegistryFilter, options?: EnumeratePageOptions): Promise<EnumeratePage>;
  /** Sends `payload` to every live identity `filter` matches (undefined = all) and reports each outcome. */
  multicast(filter: RegistryFilter | undefined, payload: PrismValue, options?: MulticastOptions): Promise<MulticastResult>;
  /** Opens the delivery channel of a registered identity: iterate it with `for await`. */
  listen(identity: string, options?: ListenOptions): RegistryListener;
}

/** Creates the registry client of one namespace over `transport`. */
export function createRegistryClient(transport: Transport, defaults: CallDefaults, options: RegistryClientOptions = {}): RegistryClient {
  return new ConnectRegistryClient(
    createClient(RegistryService, transport),
    defaults,
    resolveFilterLimits(options.filterLimits),
    options.reattach ?? false,
  );
}

/** Extra time a multicast call's deadline allows beyond the delivery timeout, for the answer to travel. */
const multicastDeadlineSlackMs = 2_000;

/** Converts a TTL in milliseconds to the wire's int64; rounds up so a positive TTL never becomes the default. */
function toTtl(name: string, ttlMs: number | undefined): bigint {
  if (ttlMs === undefined) return 0n;
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidArgumentError(`${name} must be a finite number >= 0, got ${ttlMs}`);
  }
  return BigInt(Math.ceil(ttlMs));
}

/** Checks a count sent as uint32 (page size, limit, timeout). */
function toUint32(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0 || value > 0xffff_ffff) {
    throw new InvalidArgumentError(`${name} must be a number from 0 to 4294967295, got ${value}`);
  }
  return Math.ceil(value);
}

function toRegisteredIdentity(identity: Identity): RegisteredIdentity {
  return {
    identity: identity.identity,
    metadata: metadataFromWire(identity.metadata),
    registeredAt: new Date(Number(identity.registeredAtMs)),
    expiresAt: new Date(Number(identity.expiresAtMs)),
  };
}

const statusNames: Partial<Record<DeliveryStatus, MulticastStatus>> = {
  [DeliveryStatus.DELIVERED]: "DELIVERED",
  [DeliveryStatus.NOT_LISTENING]: "NOT_LISTENING",
  [DeliveryStatus.TIMEOUT]: "TIMEOUT",
  [DeliveryStatus.FAILED]: "FAILED",
};

class ConnectRegistryClient implements RegistryClient {
  readonly #rpc: Client<typeof RegistryService>;
  readonly #defaults: CallDefaults;
  readonly #filterLimits: FilterLimits;
  readonly #reattach: boolean;

  constructor(rpc: Client<typeof RegistryService>, defaults: CallDefaults, filterLimits: FilterLimits, reattach: boolean) {
    this.#rpc = rpc;
    this.#defaults = defaults;
    this.#filterLimits = filterLimits;
    this.#reattach = reattach;
  }

  async register(identity: string, metadata?: RegistryMetadata, options: RegisterOptions = {}): Promise<Registration> {
    const request = {
      identity,
      metadata: metadataToWire(metadata),
      ttlMs: toTtl("ttlMs", options.ttlMs),
      replace: options.replace ?? false,
    };
    const heartbeatTtl = request.ttlMs;
    if (options.heartbeatIntervalMs !== undefined && !(options.heartbeatIntervalMs > 0 && Number.isFinite(options.heartbeatIntervalMs))) {
      throw new InvalidArgumentError(`heartbeatIntervalMs must be a finite number > 0, got ${options.heartbeatIntervalMs}`);
    }
    // Calls the registration makes later use the headers and deadline, not the signal (which closes it).
    const later: CallOptions = {
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    const registerOnce = async (call: CallOptions): Promise<RegistrationTimes> => {
      try {
        const response = await this.#rpc.register(request, this.#call(call));
        return { registeredAtMs: Number(response.registeredAtMs), expiresAtMs: Number(response.expiresAtMs) };
      } catch (error) {
        throw this.#error(error, identity);
      }
    };
    const times = await registerOnce(options);
    return new RegistrationHandle(
      identity,
      times,
      {
        register: () => registerOnce(later),
        heartbeat: () => this.#heartbeat(identity, heartbeatTtl, later),
        unregister: async () => {
          await this.unregister(identity, later);
        },
      },
      {
        keepAlive: options.keepAlive ?? true,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        onError: options.onError,
        signal: options.signal,
      },
    );
  }

  async heartbeat(identity: string, ttlMs?: number, options?: CallOptions): Promise<Date> {
    return new Date(await this.#heartbeat(identity, toTtl("ttlMs", ttlMs), options));
  }

  async unregister(identity: string, options?: CallOptions): Promise<boolean> {
    try {
      return (await this.#rpc.unregister({ identity }, this.#call(options))).removed;
    } catch (error) {
      throw this.#error(error);
    }
  }

  async get(identity: string, options?: CallOptions): Promise<RegisteredIdentity> {
    try {
      const response = await this.#rpc.get({ identity }, this.#call(options));
      if (response.identity === undefined) throw new InternalError(`Get of ${JSON.stringify(identity)} answered without an identity`);
      return toRegisteredIdentity(response.identity);
    } catch (error) {
      throw this.#error(error, identity);
    }
  }

  async *enumerate(filter?: RegistryFilter, options: EnumerateOptions = {}): AsyncGenerator<RegisteredIdentity, void, undefined> {
    const wire = toFilter(filter, this.#filterLimits);
    const limit = toUint32("pageSize", options.pageSize);
    const includeMetadata = options.includeMetadata ?? true;
    let cursor = "";
    do {
      const page = await this.#page(wire, cursor, limit, includeMetadata, options);
      for (const identity of page.identities) yield toRegisteredIdentity(identity);
      if (page.nextCursor !== "" && page.nextCursor === cursor) {
        throw new InternalError(`enumerate cursor did not advance (cursor ${JSON.stringify(cursor)})`);
      }
      cursor = page.nextCursor;
    } while (cursor !== "");
  }

  async enumeratePage(filter?: RegistryFilter, options: EnumeratePageOptions = {}): Promise<EnumeratePage> {
    const wire = toFilter(filter, this.#filterLimits);
    const limit = toUint32("limit", options.limit);
    const page = await this.#page(wire, options.cursor ?? "", limit, options.includeMetadata ?? true, options);
    return {
      identities: page.identities.map(toRegisteredIdentity),
      nextCursor: page.nextCursor === "" ? undefined : page.nextCursor,
      totalCount: page.totalCount,
    };
  }

  async multicast(filter: RegistryFilter | undefined, payload: PrismValue, options: MulticastOptions = {}): Promise<MulticastResult> {
    const wire = toFilter(filter, this.#filterLimits);
    const timeoutMs = toUint32("timeoutMs", options.timeoutMs);
    const request = {
      ...(wire === undefined ? {} : { filter: wire }),
      payload: toBytes(payload),
      contentType: options.contentType ?? "",
      metadata: options.metadata ?? {},
      timeoutMs,
    };
    // The server answers within timeoutMs: the call's deadline must not cut it short.
    const base = this.#defaults.timeoutMs ?? 0;
    const deadline = base === 0 ? 0 : Math.max(base, timeoutMs + multicastDeadlineSlackMs);
    try {
      const response = await this.#rpc.multicast(request, this.#call({ ...options, timeoutMs: deadline }));
      return {
        targetCount: response.targetCount,
        deliveredCount: response.deliveredCount,
        statuses: response.statuses.map((each) => ({
          identity: each.identity,
          status: statusNames[each.status] ?? "FAILED",
          message: statusNames[each.status] === undefined && each.message === "" ? `unknown delivery status ${each.status}` : each.message,
        })),
      };
    } catch (error) {
      throw this.#error(error);
    }
  }

  listen(identity: string, options: ListenOptions = {}): RegistryListener {
    return openRegistryListener(this.#rpc, this.#defaults, identity, options, this.#reattach);
  }

  async #heartbeat(identity: string, ttlMs: bigint, options: CallOptions | undefined): Promise<number> {
    try {
      return Number((await this.#rpc.heartbeat({ identity, ttlMs }, this.#call(options))).expiresAtMs);
    } catch (error) {
      throw this.#error(error, identity);
    }
  }

  async #page(
    filter: Filter | undefined,
    cursor: string,
    limit: number,
    includeMetadata: boolean,
    options: CallOptions,
  ): Promise<EnumerateResponse> {
    try {
      return await this.#rpc.enumerate(
        { ...(filter === undefined ? {} : { filter }), cursor, limit, includeMetadata },
        this.#call(options),
      );
    } catch (error) {
      throw this.#error(error);
    }
  }

  #call(options: CallOptions | undefined) {
    return toConnectCallOptions(this.#defaults, options);
  }

  #error(error: unknown, identity?: string) {
    const namespace = this.#defaults.namespace;
    return toPrismError(error, identity === undefined ? { namespace } : { identity, namespace });
  }
}
