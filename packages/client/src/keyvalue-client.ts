// KeyValueClient: the typed KeyValue API (get/set/scan/batches) over a Connect transport, for one namespace.
import { type Client, type Transport, createClient } from "@connectrpc/connect";
import { KeyValueService, type ScanResponse } from "@prism/proto/keyvalue/v1";
import { type CallDefaults, type CallOptions, toConnectCallOptions } from "./call-options.js";
import { InternalError, InvalidArgumentError } from "./errors/error-classes.js";
import { toPrismError } from "./errors/to-prism-error.js";
import { type PrismValue, toBytes, toText } from "./value.js";

/** Options of `set`: a time to live plus the usual call options. */
export type SetOptions = CallOptions & {
  /** Time to live in milliseconds; 0 or absent = no expiry; fractions round up. */
  ttlMs?: number;
};

/** Options of `scan`: page size, whether to fetch values, plus the usual call options (applied per page). */
export type ScanOptions = CallOptions & {
  /** Keys fetched per round trip; 0 or absent = the namespace's default page size. */
  pageSize?: number;
  /** Fetch each key's value too (default true); when false every `value` is empty. */
  includeValues?: boolean;
};

/** One entry of a scan. */
export type KeyValueEntry = {
  /** The key. */
  key: string;
  /** The stored value (empty when the scan was asked not to include values). */
  value: Uint8Array;
};

/** One entry of `setMany`. */
export type SetManyEntry = {
  /** The key to write. */
  key: string;
  /** The value to store. */
  value: PrismValue;
  /** Time to live in milliseconds; 0 or absent = no expiry. */
  ttlMs?: number;
};

/** The KeyValue API of one namespace; every method throws PrismError subclasses. */
export interface KeyValueClient {
  /** Stores `value` under `key`, replacing any previous value. */
  set(key: string, value: PrismValue, options?: SetOptions): Promise<void>;
  /** Reads a value; throws KeyNotFoundError when the key is missing or expired. */
  get(key: string, options?: CallOptions): Promise<Uint8Array>;
  /** Reads a value as UTF-8 text; throws KeyNotFoundError when the key is missing or expired. */
  getString(key: string, options?: CallOptions): Promise<string>;
  /** Removes a key; resolves true when it existed (a missing key is not an error). */
  delete(key: string, options?: CallOptions): Promise<boolean>;
  /** Tells whether a key is present and not expired. */
  exists(key: string, options?: CallOptions): Promise<boolean>;
  /** Iterates over every key starting with `prefix` (matched literally), fetching page after page. */
  scan(prefix: string, options?: ScanOptions): AsyncIterable<KeyValueEntry>;
  /** Reads many keys in one call; the result is in request order, undefined for a missing key. */
  getMany(keys: string[], options?: CallOptions): Promise<(Uint8Array | undefined)[]>;
  /** Writes many keys in one call. */
  setMany(entries: SetManyEntry[], options?: CallOptions): Promise<void>;
  /** Removes many keys in one call; result[i] is true when keys[i] existed. */
  deleteMany(keys: string[], options?: CallOptions): Promise<boolean[]>;
}

/** Creates a KeyValueClient that sends every call over `transport` to the namespace in `defaults`. */
export function createKeyValueClient(transport: Transport, defaults: CallDefaults): KeyValueClient {
  return new ConnectKeyValueClient(createClient(KeyValueService, transport), defaults);
}

/** Converts a TTL in milliseconds to the wire's uint64; rounds up so a positive TTL never means "no expiry". */
function toTtl(ttlMs: number | undefined): bigint {
  if (ttlMs === undefined) return 0n;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidArgumentError(`ttlMs must be a finite number >= 0, got ${ttlMs}`);
  }
  return BigInt(Math.ceil(ttlMs));
}

/** Throws InternalError when a batch answer does not have one result per requested key. */
function checkCount(method: string, expected: number, actual: number): void {
  if (actual !== expected) throw new InternalError(`${method} returned ${actual} results for ${expected} keys`);
}

class ConnectKeyValueClient implements KeyValueClient {
  readonly #rpc: Client<typeof KeyValueService>;
  readonly #defaults: CallDefaults;

  constructor(rpc: Client<typeof KeyValueService>, defaults: CallDefaults) {
    this.#rpc = rpc;
    this.#defaults = defaults;
  }

  async set(key: string, value: PrismValue, options?: SetOptions): Promise<void> {
    const request = { key, value: toBytes(value), ttlMs: toTtl(options?.ttlMs) };
    try {
      await this.#rpc.set(request, this.#call(options));
    } catch (error) {
      throw this.#error(error);
    }
  }

  async get(key: string, options?: CallOptions): Promise<Uint8Array> {
    try {
      return (await this.#rpc.get({ key }, this.#call(options))).value;
    } catch (error) {
      throw this.#error(error, key);
    }
  }

  async getString(key: string, options?: CallOptions): Promise<string> {
    return toText(await this.get(key, options));
  }

  async delete(key: string, options?: CallOptions): Promise<boolean> {
    try {
      return (await this.#rpc.delete({ key }, this.#call(options))).deleted;
    } catch (error) {
      throw this.#error(error);
    }
  }

  async exists(key: string, options?: CallOptions): Promise<boolean> {
    try {
      return (await this.#rpc.exists({ key }, this.#call(options))).exists;
    } catch (error) {
      throw this.#error(error);
    }
  }

  async *scan(prefix: string, options?: ScanOptions): AsyncGenerator<KeyValueEntry, void, undefined> {
    const limit = options?.pageSize ?? 0;
    const includeValues = options?.includeValues ?? true;
    let cursor = "";
    do {
      let page: ScanResponse;
      try {
        page = await this.#rpc.scan({ prefix, cursor, limit, includeValues }, this.#call(options));
      } catch (error) {
        throw this.#error(error);
      }
      for (const item of page.items) yield { key: item.key, value: item.value };
      if (page.nextCursor !== "" && page.nextCursor === cursor) {
        throw new InternalError(`scan cursor did not advance (cursor ${JSON.stringify(cursor)})`);
      }
      cursor = page.nextCursor;
    } while (cursor !== "");
  }

  async getMany(keys: string[], options?: CallOptions): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    try {
      const { results } = await this.#rpc.batchGet({ keys }, this.#call(options));
      checkCount("BatchGet", keys.length, results.length);
      return results.map((result) => (result.found ? result.value : undefined));
    } catch (error) {
      throw this.#error(error);
    }
  }

  async setMany(entries: SetManyEntry[], options?: CallOptions): Promise<void> {
    if (entries.length === 0) return;
    const request = {
      entries: entries.map((entry) => ({ key: entry.key, value: toBytes(entry.value), ttlMs: toTtl(entry.ttlMs) })),
    };
    try {
      await this.#rpc.batchSet(request, this.#call(options));
    } catch (error) {
      throw this.#error(error);
    }
  }

  async deleteMany(keys: string[], options?: CallOptions): Promise<boolean[]> {
    if (keys.length === 0) return [];
    try {
      const { deleted } = await this.#rpc.batchDelete({ keys }, this.#call(options));
      checkCount("BatchDelete", keys.length, deleted.length);
      return deleted;
    } catch (error) {
      throw this.#error(error);
    }
  }

  #call(options: CallOptions | undefined) {
    return toConnectCallOptions(this.#defaults, options);
  }

  #error(error: unknown, key?: string) {
    const namespace = this.#defaults.namespace;
    return toPrismError(error, key === undefined ? { namespace } : { key, namespace });
  }
}
