// RedisKeyValue: the KeyValue backend on one ioredis client. Every key lives under a namespace key
// prefix; values are bytes; Scan is a literal-prefix SCAN whose pages never exceed the limit and
// never lose a key (keys beyond the limit ride along in the opaque cursor, and are re-read from Redis
// before they are returned, so a forged cursor yields no key that is not there); every failure is a
// gRPC-coded ConnectError.
import type { KeyValueEntry, ScanPage, ScanPageRequest } from "@prism/pattern-sdk";
import type { Redis } from "ioredis";
import { RedisKeyValueBase, type RedisKeyValueOptions as RedisKeyValueBaseOptions, toBuffer, toBytes } from "./redis-keyvalue-base.js";
import { ScanPageKeys } from "./redis-scan-page-keys.js";
import { decodeRedisScanCursor, encodeRedisScanCursor, type RedisScanScope, type RedisScanState } from "./redis-scan-cursor.js";

/** Options of a RedisKeyValue. */
export type RedisKeyValueOptions = RedisKeyValueBaseOptions<Redis>;

/** KeyValue backend on Redis: SET/GET/DEL/EXISTS, literal prefix SCAN, MGET, MULTI and pipelined batches. */
export class RedisKeyValue extends RedisKeyValueBase<Redis> {
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
    const page = new ScanPageKeys(this.keyPrefix, prefix, state.pending, limit);

    for (let calls = 0; !redisDone && page.wants(calls); calls++) {
      const [next, keys] = await this.call(() => this.client.scan(state.redisCursor, "MATCH", page.match, "COUNT", page.countHint));
      state.redisCursor = next;
      redisDone = next === "0";
      page.add(keys);
    }

    const { keys, pending } = page.split();
    const nextCursor = redisDone && pending.length === 0 ? "" : encodeRedisScanCursor({ redisCursor: state.redisCursor, pending }, scope);
    return { items: await this.items(keys, includeValues, page.carried), nextCursor };
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

  /** Whether each of `keys` exists, by one pipeline of EXISTS. */
  protected async existsMany(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const results = await this.call(() => {
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.exists(this.stored(key));
      return pipeline.exec();
    });
    this.throwFirstError(results);
    return keys.map((_, index) => results?.[index]?.[1] === 1);
  }
}
