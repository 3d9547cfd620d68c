// RedisClusterKeyValue: the KeyValue backend on an ioredis Cluster. Keys keep the namespace prefix but no
// hash tag, so a namespace's keys spread over all slots and masters (a key's own {tag} still applies).
// Single-key calls are routed by ioredis; batches are split per hash slot (each MGET / MULTI / pipeline
// touches one slot), run concurrently and put back in request order; Scan walks the masters one after
// the other, sorted by host:port from the slot table, with one opaque cursor (master index + that master's SCAN cursor +
// keys found beyond the page limit, re-read before they are returned, as in RedisKeyValue).
import {
  Code,
  ConnectError,
  type KeyValueBackend,
  type KeyValueEntry,
  type KeyValueItem,
  type ScanPage,
  type ScanPageRequest,
} from "@prism/pattern-sdk";
import type { Cluster, Redis } from "ioredis";
import { escapeRedisGlob } from "./escape-redis-glob.js";
import { toConnectError } from "./redis-errors.js";
import { CLUSTER_SLOTS, groupBySlot } from "./redis-key-slot.js";
import { MAX_SCAN_CALLS_PER_PAGE, MIN_SCAN_COUNT, toBuffer, toBytes } from "./redis-keyvalue.js";
import {
  decodeRedisClusterScanCursor,
  encodeRedisClusterScanCursor,
  type RedisClusterScanState,
  type RedisScanScope,
} from "./redis-scan-cursor.js";

/** Options of a RedisClusterKeyValue. */
export interface RedisClusterKeyValueOptions {
  /** The ioredis Cluster; its owner connects and closes it. */
  client: Cluster;
  /** Prefix every key is stored under (see resolveKeyPrefix); isolates namespaces sharing one cluster. */
  keyPrefix: string;
  /** The seed nodes, named in error messages. */
  address: string;
}

/** KeyValue backend on Redis Cluster; see the file comment. */
export class RedisClusterKeyValue implements KeyValueBackend {
  private readonly client: Cluster;
  private readonly keyPrefix: string;
  private readonly address: string;

  /** Wraps `options.client`; does not connect it. */
  constructor(options: RedisClusterKeyValueOptions) {
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
   * Returns up to `limit` keys starting with the literal `prefix`, scanning the masters in `host:port`
   * order: SCAN runs on the current master until the page is full or it has no more keys, then moves to
   * the next. Keys beyond the limit ride in the cursor. A key is returned once unless a master rehashes,
   * or slots move or masters come and go during the scan (then a key may be returned twice or missed).
   */
  async scan(request: ScanPageRequest): Promise<ScanPage> {
    const { prefix, cursor, includeValues } = request;
    const limit = Math.max(1, request.limit);
    const scope: RedisScanScope = { keyPrefix: this.keyPrefix, prefix };
    const state: RedisClusterScanState =
      cursor === "" ? { master: 0, redisCursor: "0", pending: [] } : decodeRedisClusterScanCursor(cursor, scope);
    const masters = this.masters();
    const found = [...new Set(state.pending)];
    const carried = new Set(found);
    const seen = new Set(found);
    const storedPrefix = this.keyPrefix + prefix;
    const match = `${escapeRedisGlob(storedPrefix)}*`;
    const countCap = Math.max(limit * 8, 100);
    let count = Math.max(limit, MIN_SCAN_COUNT);

    for (let calls = 0; found.length < limit && state.master < masters.length && calls < MAX_SCAN_CALLS_PER_PAGE; calls++) {
      const node = masters[state.master] as Redis;
      const [next, keys] = await this.call(() => node.scan(state.redisCursor, "MATCH", match, "COUNT", count));
      if (next === "0") {
        state.master += 1;
        state.redisCursor = "0";
      } else {
        state.redisCursor = next;
      }
      for (const stored of keys) {
        const key = stored.slice(this.keyPrefix.length);
        if (!stored.startsWith(storedPrefix) || seen.has(key)) continue;
        seen.add(key);
        found.push(key);
      }
      if (found.length < limit) count = Math.min(count * 2, countCap);
    }

    const pageKeys = found.slice(0, limit);
    const pending = found.slice(limit);
    const done = state.master >= masters.length && pending.length === 0;
    const nextCursor = done ? "" : encodeRedisClusterScanCursor({ master: state.master, redisCursor: state.redisCursor, pending }, scope);
    return { items: await this.items(pageKeys, includeValues, carried), nextCursor };
  }

  /** Reads many keys, one MGET per hash slot; undefined marks a missing key. Same order as `keys`. */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    const values: (Uint8Array | undefined)[] = new Array(keys.length).fill(undefined);
    await this.perSlot(keys, async (indexes) => {
      const replies = await this.client.mgetBuffer(indexes.map((index) => this.stored(keys[index] as string)));
      indexes.forEach((index, at) => {
        const value = replies[at];
        values[index] = value === null || value === undefined ? undefined : toBytes(value);
      });
    });
    return values;
  }

  /** Writes many entries, one MULTI/EXEC transaction per hash slot (atomic per slot, not across slots). */
  async setMany(entries: KeyValueEntry[]): Promise<void> {
    await this.perSlot(
      entries.map(({ key }) => key),
      async (indexes) => {
        const transaction = this.client.multi();
        for (const index of indexes) {
          const { key, value, ttlMs } = entries[index] as KeyValueEntry;
          if (ttlMs > 0) transaction.set(this.stored(key), toBuffer(value), "PX", ttlMs);
          else transaction.set(this.stored(key), toBuffer(value));
        }
        this.throwFirstError(await transaction.exec());
      },
    );
  }

  /** Removes many keys, one pipeline of DELs per hash slot; whether each existed, in order. */
  async deleteMany(keys: string[]): Promise<boolean[]> {
    const deleted: boolean[] = new Array(keys.length).fill(false);
    await this.perSlot(keys, async (indexes) => {
      const pipeline = this.client.pipeline();
      for (const index of indexes) pipeline.del(this.stored(keys[index] as string));
      const results = await pipeline.exec();
      this.throwFirstError(results);
      indexes.forEach((index, at) => {
        const count = results?.[at]?.[1];
        deleted[index] = typeof count === "number" && count > 0;
      });
    });
    return deleted;
  }

  /**
   * The masters serving the slots, from the client's slot table, sorted by `host:port` so every call (and
   * every proxy) walks them in the same order. UNAVAILABLE when the cluster is not ready, a slot has no
   * master, or a master of the table has no connection: a scan would silently miss that master's keys.
   */
  private masters(): Redis[] {
    const unavailable = (why: string) => new ConnectError(`redis cluster at ${this.address} is unavailable: ${why}`, Code.Unavailable);
    if (this.client.status !== "ready") throw unavailable(`it is ${this.client.status}`);
    const names = new Set<string>();
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
      const master = this.client.slots[slot]?.[0];
      if (master === undefined) throw unavailable(`slot ${slot} has no master`);
      names.add(master);
    }
    const connected = new Map(this.client.nodes("master").map((node) => [`${node.options.host}:${node.options.port}`, node]));
    return [...names].sort().map((name) => {
      const node = connected.get(name);
      if (node === undefined) throw unavailable(`master ${name} is not connected, so a scan would miss its keys`);
      return node;
    });
  }

  /** Scan items for `keys`, dropping keys Redis does not have (deleted since SCAN saw them, or forged in a cursor). */
  private async items(keys: string[], includeValues: boolean, carried: ReadonlySet<string>): Promise<KeyValueItem[]> {
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

  /** Whether each of `keys` exists, one pipeline of EXISTS per hash slot. */
  private async existsMany(keys: string[]): Promise<boolean[]> {
    const present: boolean[] = new Array(keys.length).fill(false);
    await this.perSlot(keys, async (indexes) => {
      const pipeline = this.client.pipeline();
      for (const index of indexes) pipeline.exists(this.stored(keys[index] as string));
      const results = await pipeline.exec();
      this.throwFirstError(results);
      indexes.forEach((index, at) => {
        present[index] = results?.[at]?.[1] === 1;
      });
    });
    return present;
  }

  /** Runs `run` once per hash slot of the (stored) keys, concurrently, with the indexes of that slot's keys; errors become ConnectErrors. */
  private async perSlot(keys: string[], run: (indexes: number[]) => Promise<void>): Promise<void> {
    if (keys.length === 0) return;
    const groups = groupBySlot(keys.map((key) => this.stored(key)));
    await this.call(() => Promise.all(groups.map(run)));
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
    if (results === null) throw new Error("transaction aborted");
    for (const [error] of results) if (error) throw error;
  }
}
