// RedisKeyValue: the KeyValue backend on one ioredis client. Every key lives under a namespace key
// prefix; values are bytes; Scan is a literal-prefix SCAN whose pages never exceed the limit and
// never lose a key (keys beyond the limit ride along in the opaque cursor, and are re-read from Redis
// before they are returned, so a forged cursor yields no key that is not there); every failure is a
// gRPC-coded ConnectError.
import type { KeyValueBackend, KeyValueEntry, KeyValueItem, ScanPage, ScanPageRequest } from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import { escapeRedisGlob } from "./escape-redis-glob.js";
import { toConnectError } from "./redis-errors.js";
import { decodeRedisScanCursor, encodeRedisScanCursor, type RedisScanScope, type RedisScanState } from "./redis-scan-cursor.js";

/** Most SCAN calls one page may make; a sparse prefix then returns a short page with a cursor, so a call stays bounded. */
export const MAX_SCAN_CALLS_PER_PAGE = 256;

/** Smallest COUNT hint sent with SCAN. */
export const MIN_SCAN_COUNT = 10;

/** Options of a RedisKeyValue. */
export interface RedisKeyValueOptions {
  /** The ioredis client; its owner connects and closes it. */
  client: Redis;
  /** Prefix every key is stored under (see resolveKeyPrefix); isolates namespaces sharing one Redis. */
  keyPrefix: string;
  /** `host:port` of the server, named in error messages. */
  address: string;
}

/** KeyValue backend on Redis: SET/GET/DEL/EXISTS, literal prefix SCAN, MGET, MULTI and pipelined batches. */
export class RedisKeyValue implements KeyValueBackend {
  private readonly client: Redis;
  private readonly keyPrefix: string;
  private readonly address: string;

  /** Wraps `options.client`; does not connect it. */
  constructor(options: RedisKeyValueOptions) {
    this.client = options.client;
    this.keyPrefix = options.keyPrefix;
    this.address = options.address;
  }

  /** Stores `value` under `key` (SET, or SET PX for a TTL); ttlMs 0 = no expiry and clears an old TTL. */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await this.call(() =>
      ttlMs > 0 ? this.client.set(this.stored(key), toBuffer(value), "PX", ttlMs) : this.client.set(this.stored(key), toBuffer(value)),
    );
  }

  /** Returns the value, or undefined when the key is missing or expired. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await this.call(() => this.client.getBuffer(this.stored(key)));
    return value === null ? undefined : toBytes(value);
  }

  /** Removes the key; returns whether it existed. */
  async delete(key: string): Promise<boolean> {
    return (await this.call(() => this.client.del(this.stored(key)))) > 0;
  }

  /** Tells whether the key is present and not expired. */
  async exists(key: string): Promise<boolean> {
    return (await this.call(() => this.client.exists(this.stored(key)))) > 0;
  }

  /**
   * Returns up to `limit` keys starting with the literal `prefix`. SCAN runs until the page is full or
   * Redis has no more keys; keys a SCAN reply brings beyond the limit are carried in the cursor.
   * Like SCAN itself, a key is returned once unless Redis rehashes its keyspace during the scan.
   * Carried keys come from the client, so they are returned only if Redis still has them.
   */
  async scan(request: ScanPageRequest): Promise<ScanPage> {
    const { prefix, cursor, includeValues } = request;
    const limit = Math.max(1, request.limit);
    const scope: RedisScanScope = { keyPrefix: this.keyPrefix, prefix };
    const state: RedisScanState = cursor === "" ? { redisCursor: "0", pending: [] } : decodeRedisScanCursor(cursor, scope);
    let redisDone = cursor !== "" && state.redisCursor === "0";
    const found = [...new Set(state.pending)];
    const carried = new Set(found);
    const seen = new Set(found);
    const storedPrefix = this.keyPrefix + prefix;
    const match = `${escapeRedisGlob(storedPrefix)}*`;
    const countCap = Math.max(limit * 8, 100);
    let count = Math.max(limit, MIN_SCAN_COUNT);

    for (let calls = 0; found.length < limit && !redisDone && calls < MAX_SCAN_CALLS_PER_PAGE; calls++) {
      const [next, keys] = await this.call(() => this.client.scan(state.redisCursor, "MATCH", match, "COUNT", count));
      state.redisCursor = next;
      redisDone = next === "0";
      for (const stored of keys) {
        const key = stored.slice(this.keyPrefix.length);
        if (!stored.startsWith(storedPrefix) || seen.has(key)) continue;
        seen.add(key);
        found.push(key);
      }
      // A sparse prefix: look at more buckets per call, bounded so a dense stretch cannot bloat the cursor.
      if (found.length < limit) count = Math.min(count * 2, countCap);
    }

    const pageKeys = found.slice(0, limit);
    const pending = found.slice(limit);
    const nextCursor = redisDone && pending.length === 0 ? "" : encodeRedisScanCursor({ redisCursor: state.redisCursor, pending }, scope);
    return { items: await this.items(pageKeys, includeValues, carried), nextCursor };
  }

  /** Reads many keys with one MGET; undefined marks a missing key. Same order as `keys`. */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.call(() => this.client.mgetBuffer(keys.map((key) => this.stored(key))));
    return values.map((value) => (value === null ? undefined : toBytes(value)));
  }

  /** Writes many entries in one MULTI/EXEC transaction, in order. */
  async setMany(entries: KeyValueEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const results = await this.call(() => {
      const transaction = this.client.multi();
      for (const { key, value, ttlMs } of entries) {
        if (ttlMs > 0) transaction.set(this.stored(key), toBuffer(value), "PX", ttlMs);
        else transaction.set(this.stored(key), toBuffer(value));
      }
      return transaction.exec();
    });
    this.throwFirstError(results);
  }

  /** Removes many keys with one pipeline of DELs; whether each existed, in order. */
  async deleteMany(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const results = await this.call(() => {
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.del(this.stored(key));
      return pipeline.exec();
    });
    this.throwFirstError(results);
    return (results ?? []).map(([, count]) => typeof count === "number" && count > 0);
  }

  /**
   * Scan items for `keys`, dropping keys Redis does not have (deleted since SCAN saw them, or forged
   * in a cursor): with values, all fetched by one MGET; without, the `carried` ones (which came from
   * the cursor, not from SCAN) checked by one pipeline of EXISTS.
   */
  private async items(keys: string[], includeValues: boolean, carried: ReadonlySet<string>): Promise<KeyValueItem[]> {
    if (!includeValues) {
      const missing = await this.missing(keys.filter((key) => carried.has(key)));
      return keys.filter((key) => !missing.has(key)).map((key) => ({ key, value: new Uint8Array(0) }));
    }
    const values = await this.getMany(keys);
    const items: KeyValueItem[] = [];
    keys.forEach((key, index) => {
      const value = values[index];
      if (value !== undefined) items.push({ key, value });
    });
    return items;
  }

  /** Which of `keys` Redis does not have, by one pipeline of EXISTS. */
  private async missing(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const results = await this.call(() => {
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.exists(this.stored(key));
      return pipeline.exec();
    });
    this.throwFirstError(results);
    return new Set(keys.filter((_, index) => results?.[index]?.[1] === 0));
  }

  /** The Redis key of `key`. */
  private stored(key: string): string {
    return this.keyPrefix + key;
  }

  /** Runs one ioredis call, turning whatever it throws into a ConnectError. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toConnectError(error, this.address);
    }
  }

  /** Throws the first per-command error of a pipeline or transaction reply; a null reply (aborted EXEC) too. */
  private throwFirstError(results: [error: Error | null, result: unknown][] | null): void {
    if (results === null) throw toConnectError(new Error("transaction aborted"), this.address);
    for (const [error] of results) if (error) throw toConnectError(error, this.address);
  }
}

/** A Buffer view of `value`, without copying. */
export function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A plain Uint8Array copy of a reply Buffer (which may share memory with the client's read buffers). */
export function toBytes(value: Buffer): Uint8Array {
  return new Uint8Array(value);
}
