// RedisClusterKeyValue: the KeyValue backend on an ioredis Cluster. Keys keep the namespace prefix but no
// hash tag, so a namespace's keys spread over all slots and masters (a key's own {tag} still applies).
// Single-key calls are routed by ioredis; batches are split per hash slot (each MGET / MULTI / pipeline
// touches one slot), run concurrently and put back in request order; Scan walks the masters one after
// the other, sorted by host:port from the slot table, with one opaque cursor (master index + that master's SCAN cursor +
// keys found beyond the page limit, re-read before they are returned, as in RedisKeyValue).
import { Code, ConnectError, type KeyValueEntry, type ScanPage, type ScanPageRequest } from "@prism/pattern-sdk";
import type { Cluster, Redis } from "ioredis";
import { clusterNodeKey } from "./redis-cluster-client.js";
import { CLUSTER_SLOTS, groupBySlot } from "./redis-key-slot.js";
import { ScanPageKeys } from "./redis-scan-page-keys.js";
import { RedisKeyValueBase, type RedisKeyValueOptions, toBuffer, toBytes } from "./redis-keyvalue-base.js";
import {
  decodeRedisClusterScanCursor,
  encodeRedisClusterScanCursor,
  type RedisClusterScanState,
  type RedisScanScope,
} from "./redis-scan-cursor.js";

/** Options of a RedisClusterKeyValue. */
export type RedisClusterKeyValueOptions = RedisKeyValueOptions<Cluster>;

/** KeyValue backend on Redis Cluster; see the file comment. */
export class RedisClusterKeyValue extends RedisKeyValueBase<Cluster> {
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
    const page = new ScanPageKeys(this.keyPrefix, prefix, state.pending, limit);

    for (let calls = 0; state.master < masters.length && page.wants(calls); calls++) {
      const node = masters[state.master] as Redis;
      const [next, keys] = await this.call(() => node.scan(state.redisCursor, "MATCH", page.match, "COUNT", page.countHint));
      if (next === "0") {
        state.master += 1;
        state.redisCursor = "0";
      } else {
        state.redisCursor = next;
      }
      page.add(keys);
    }

    const { keys, pending } = page.split();
    const done = state.master >= masters.length && pending.length === 0;
    const nextCursor = done ? "" : encodeRedisClusterScanCursor({ master: state.master, redisCursor: state.redisCursor, pending }, scope);
    return { items: await this.items(keys, includeValues, page.carried), nextCursor };
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
    const connected = new Map(this.client.nodes("master").map((node) => [clusterNodeKey(node), node]));
    return [...names].sort().map((name) => {
      const node = connected.get(name);
      if (node === undefined) throw unavailable(`master ${name} is not connected, so a scan would miss its keys`);
      return node;
    });
  }

  /** Whether each of `keys` exists, one pipeline of EXISTS per hash slot. */
  protected async existsMany(keys: string[]): Promise<boolean[]> {
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
}
