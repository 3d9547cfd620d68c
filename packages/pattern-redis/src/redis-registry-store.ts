// RedisRegistryStore: the identities of a namespace in Redis, under the pattern's key prefix. A HASH
// `<keyPrefix>registry:data` maps identity -> record (`<expiresAtMs>:<registeredAtMs>:<ttlMs>:<metadata
// JSON>`, redis-registry-record.ts), a ZSET `<keyPrefix>registry:expiry` scores each identity by its
// expiresAtMs, and a change log (`registry:meta`, `registry:changes`) lets a mirror catch up. Register,
// heartbeat, unregister, get and size are single Lua scripts (redis-registry-scripts.ts) that read the
// Redis clock (TIME): the ALREADY_EXISTS check, the maxIdentities count of live identities (ZCOUNT
// now +inf) and the write happen atomically, and an identity is live while its expiry is after the
// server's now. Expired entries are removed in bounded batches by every register, and by a cleanup an
// Enumerate starts when it skipped some; until then they are never returned, because every read
// compares expiries with the Redis clock.
//
// Enumerate, what Redis does and what the pattern evaluates:
// - Redis: the truth, and the clock. Each call first refreshes the instance's mirror of the registry
//   (redis-registry-mirror.ts) with one script that returns Redis TIME and the records changed since the
//   last refresh, so the call sees every write that completed before it, and decides expiry by the
//   Redis clock of that moment. No round trip per identity; no full read per call (a full read of 10,000
//   records costs more than the 20 ms an Enumerate may take; the mirror makes it one small round trip).
// - The pattern: the identity prefix (a binary search into the mirror's identity order, then a scan
//   that stops past the prefix), the filter predicate (compiled once per call) on each live candidate,
//   the `after` bound, the page and the total count. The mirror's order is the wire order (ascending,
//   UTF-16 code units), so a page needs no sort. Every page is computed afresh from the live identities,
//   so an identity that stays registered across a pagination is returned exactly once.
import {
  Code,
  ConnectError,
  type EnumeratePage,
  type EnumeratePageRequest,
  type RegisteredIdentity,
  type RegistrationRequest,
  type RegistrationResult,
  type RegistryStore,
} from "@prism/pattern-sdk";
import type { RedisCommandClient } from "./redis-client.js";
import { redisCall } from "./redis-errors.js";
import { registryKeys } from "./redis-registry-keys.js";
import { lowerBound, type MirrorEntry, RedisRegistryMirror } from "./redis-registry-mirror.js";
import { recordIdentity } from "./redis-registry-record.js";
import { defineRegistryScripts, type RedisRegistryScripts, type RegistryKeys } from "./redis-registry-scripts.js";

/** Most expired identities one register removes on its way. */
const REGISTER_CLEANUP_BATCH = 100;

/** Most expired identities one background cleanup removes. */
const CLEANUP_BATCH = 1000;

/** Options of a RedisRegistryStore. */
export interface RedisRegistryStoreOptions {
  /** The command connection; its owner connects and closes it. The registry scripts are defined on it. */
  client: RedisCommandClient;
  /** Namespace key prefix (see resolveKeyPrefix). */
  keyPrefix: string;
  /** `host:port` of the server, named in error messages. */
  address: string;
  /** Whether `client` is a Redis Cluster's: the registry's keys then share one slot (see redis-registry-keys.ts). */
  cluster?: boolean;
}

/** Registry identities in Redis, liveness by the Redis clock; see the file comment. */
export class RedisRegistryStore implements RegistryStore {
  private readonly client: RedisCommandClient & RedisRegistryScripts;
  private readonly keys: RegistryKeys;
  private readonly address: string;
  private readonly mirror: RedisRegistryMirror;
  /** The cleanup an Enumerate started, while it runs (one at a time). */
  private cleaning: Promise<unknown> | undefined;

  /** Defines the scripts on `options.client`; does not connect it. */
  constructor(options: RedisRegistryStoreOptions) {
    this.client = defineRegistryScripts(options.client);
    this.keys = registryKeys(options.keyPrefix, options.cluster);
    this.address = options.address;
    this.mirror = new RedisRegistryMirror(this.client, this.keys, this.address);
  }

  async register(request: RegistrationRequest): Promise<RegistrationResult> {
    const { identity, metadata, ttlMs, replace, maxIdentities } = request;
    const metadataJson = JSON.stringify(metadata);
    const flag = replace ? "1" : "0";
    const reply = await this.call(() =>
      this.client.prismRegistryRegister(...this.keys, identity, ttlMs, flag, maxIdentities, metadataJson, REGISTER_CLEANUP_BATCH),
    );
    switch (reply[0]) {
      case 0:
        return { registeredAtMs: Number(reply[1]), expiresAtMs: Number(reply[2]) };
      case 1:
        throw new ConnectError(
          `identity ${quote(identity)} is already registered (set replace to overwrite it, or unregister it first)`,
          Code.AlreadyExists,
        );
      case 2:
        throw new ConnectError(
          `the registry holds ${reply[1]} live identities; the limit is ${maxIdentities} (limits.maxIdentities)`,
          Code.ResourceExhausted,
        );
      default:
        throw new ConnectError(`redis at ${this.address}: unexpected register reply ${JSON.stringify(reply)}`, Code.Internal);
    }
  }

  async heartbeat(identity: string, ttlMs: number): Promise<number | undefined> {
    const expiresAtMs = await this.call(() => this.client.prismRegistryHeartbeat(...this.keys, identity, ttlMs));
    return expiresAtMs === null ? undefined : Number(expiresAtMs);
  }

  async unregister(identity: string): Promise<boolean> {
    return (await this.call(() => this.client.prismRegistryUnregister(...this.keys, identity))) === 1;
  }

  async get(identity: string): Promise<RegisteredIdentity | undefined> {
    const value = await this.call(() => this.client.prismRegistryGet(...this.keys, identity));
    return value === null ? undefined : recordIdentity(identity, value);
  }

  async enumerate(request: EnumeratePageRequest): Promise<EnumeratePage> {
    const { filter, after, limit } = request;
    const prefix = filter.identityPrefix;
    const now = await this.mirror.refresh();
    const entries = this.mirror.inOrder();
    const page: MirrorEntry[] = [];
    let totalCount = 0;
    let expired = 0;
    for (let index = prefix === "" ? 0 : lowerBound(entries, prefix); index < entries.length; index++) {
      const entry = entries[index] as MirrorEntry;
      const { identity } = entry;
      if (prefix !== "" && !identity.startsWith(prefix)) break;
      if (entry.expiresAtMs <= now) {
        expired++;
        continue;
      }
      if (!filter.matchesAll && !filter.matches(identity, entry.metadata)) continue;
      totalCount++;
      if (identity > after && page.length <= limit) page.push(entry);
    }
    if (expired > 0) this.cleanupSoon();
    const identities = page.slice(0, limit).map(recordOf);
    return { identities, more: page.length > limit, totalCount };
  }

  async size(): Promise<number> {
    return await this.call(() => this.client.prismRegistryCount(...this.keys));
  }

  /** Starts removing expired identities in the background (one cleanup at a time; failures are ignored). */
  private cleanupSoon(): void {
    if (this.cleaning !== undefined) return;
    this.cleaning = this.client
      .prismRegistryCleanup(...this.keys, CLEANUP_BATCH)
      .catch(() => undefined)
      .finally(() => {
        this.cleaning = undefined;
      });
  }

  /** Runs one ioredis call, turning whatever it throws into a ConnectError. */
  private call<T>(run: () => Promise<T>): Promise<T> {
    return redisCall(this.address, run);
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * The record last made for each mirror entry. An entry changes in place (a heartbeat moves its
 * expiry); its record is reused while it still says the same, so callers that cache per record
 * (the SDK's wire messages) reuse their work across pages and calls.
 */
const records = new WeakMap<MirrorEntry, RegisteredIdentity>();

/** An immutable record of `entry` as it is now. */
function recordOf(entry: MirrorEntry): RegisteredIdentity {
  const last = records.get(entry);
  if (
    last !== undefined &&
    last.expiresAtMs === entry.expiresAtMs &&
    last.registeredAtMs === entry.registeredAtMs &&
    last.ttlMs === entry.ttlMs &&
    last.metadata === entry.metadata
  ) {
    return last;
  }
  const { identity, metadata, registeredAtMs, expiresAtMs, ttlMs } = entry;
  const record: RegisteredIdentity = { identity, metadata, registeredAtMs, expiresAtMs, ttlMs };
  records.set(entry, record);
  return record;
}
