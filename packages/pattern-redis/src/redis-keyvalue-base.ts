// RedisKeyValueBase: what the KeyValue backend does the same way on one server (RedisKeyValue) and on a
// Redis Cluster (RedisClusterKeyValue): the single-key commands, which ioredis routes on either client,
// the namespace key prefix, turning errors into gRPC-coded ConnectErrors, and the Scan page items
// (re-read before they are returned, so a key deleted since SCAN saw it, or forged in a cursor, is not).
// Batches and Scan differ (one server vs. per slot and per master) and live in the subclasses.
import type { KeyValueBackend, KeyValueEntry, KeyValueItem, ScanPage, ScanPageRequest } from "@prism/pattern-sdk";
import type { RedisCommandClient } from "./redis-client.js";
import { redisCall, toConnectError } from "./redis-errors.js";

/** Options of a Redis KeyValue backend over client type `C`. */
export interface RedisKeyValueOptions<C extends RedisCommandClient> {
  /** The ioredis client (one server or a cluster); its owner connects and closes it. */
  client: C;
  /** Prefix every key is stored under (see resolveKeyPrefix); isolates namespaces sharing one Redis. */
  keyPrefix: string;
  /** `host:port` of the server (seed nodes for a cluster), named in error messages. */
  address: string;
}

/** KeyValue on Redis: the shared part; see the file comment. */
export abstract class RedisKeyValueBase<C extends RedisCommandClient> implements KeyValueBackend {
  protected readonly client: C;
  protected readonly keyPrefix: string;
  protected readonly address: string;

  /** Wraps `options.client`; does not connect it. */
  constructor(options: RedisKeyValueOptions<C>) {
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

  /** Returns up to `limit` keys starting with the literal `prefix`, and the cursor of the next page. */
  abstract scan(request: ScanPageRequest): Promise<ScanPage>;
  /** Reads many keys; undefined marks a missing key. Same order as `keys`. */
  abstract getMany(keys: string[]): Promise<(Uint8Array | undefined)[]>;
  /** Writes many entries. */
  abstract setMany(entries: KeyValueEntry[]): Promise<void>;
  /** Removes many keys; whether each existed, in order. */
  abstract deleteMany(keys: string[]): Promise<boolean[]>;
  /** Whether each of `keys` exists (pipelined EXISTS), in order. */
  protected abstract existsMany(keys: string[]): Promise<boolean[]>;

  /**
   * Scan items for `keys`, dropping keys Redis does not have (deleted since SCAN saw them, or forged
   * in a cursor): with values, all fetched by getMany; without, the `carried` ones (which came from
   * the cursor, not from SCAN) checked by existsMany.
   */
  protected async items(keys: string[], includeValues: boolean, carried: ReadonlySet<string>): Promise<KeyValueItem[]> {
    if (!includeValues) {
      const check = keys.filter((key) => carried.has(key));
      const present = await this.existsMany(check);
      const missing = new Set(check.filter((_, index) => !present[index]));
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

  /** The Redis key of `key`. */
  protected stored(key: string): string {
    return this.keyPrefix + key;
  }

  /** Runs ioredis calls, turning whatever they throw into a ConnectError. */
  protected call<T>(run: () => Promise<T>): Promise<T> {
    return redisCall(this.address, run);
  }

  /** Throws the first per-command error of a pipeline or transaction reply, as a ConnectError; a null reply (aborted EXEC) too. */
  protected throwFirstError(results: [error: Error | null, result: unknown][] | null): void {
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
