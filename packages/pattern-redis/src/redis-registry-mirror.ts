// RedisRegistryMirror: a local copy of a namespace's registry, brought up to date from Redis before
// every read that uses it. Redis stays the only truth: every write is a script that bumps a sequence
// number and logs the identity it touched (redis-registry-scripts.ts), and refresh() runs one script
// that returns the Redis clock plus the records of the identities changed since the seq the mirror has
// seen. So an Enumerate costs one small round trip however many identities there are, and sees every
// write that completed before it was called. The first refresh, a Redis that lost its data (another
// epoch), a mirror that fell behind the trimmed change log, or a burst of more than MAX_INCREMENTAL
// changes reloads it with chunked HSCANs, then catches up on what changed during the scan.
// Entries are kept sorted by identity (updated in place for heartbeats, by binary insertion for a few
// arrivals and departures) so a page needs no sort.
import { Code, ConnectError, type RegistryMetadata } from "@prism/pattern-sdk";
import type { RedisCommandClient } from "./redis-client.js";
import { redisCall } from "./redis-errors.js";
import { parseMetadata, parseRecord } from "./redis-registry-record.js";
import type { RedisRegistryScripts, RegistryChangesReply, RegistryKeys } from "./redis-registry-scripts.js";

/** Most changed records one refresh fetches; more and it reloads with HSCAN instead (chunked, not one huge reply). */
const MAX_INCREMENTAL = 2000;

/** COUNT hint of each HSCAN of a reload. */
const HSCAN_COUNT = 1000;

/** Arrivals and departures applied by binary insertion; more and the order is rebuilt by one sort. */
const MAX_INCREMENTAL_REORDER = 64;

/** Reloads attempted by one refresh while the registry keeps changing epoch under it. */
const MAX_RELOADS = 3;

/** An epoch no registry has, so the first refresh reloads. */
const NO_EPOCH = "\u0000none";

/** One identity as mirrored (expired ones included until Redis removes them; readers compare expiries). */
export interface MirrorEntry {
  /** The identity. */
  readonly identity: string;
  /** Unix milliseconds (Redis clock). */
  expiresAtMs: number;
  /** Unix milliseconds (Redis clock). */
  registeredAtMs: number;
  /** The TTL it was registered with. */
  ttlMs: number;
  /** Metadata as stored, to tell whether a changed record changed its metadata. */
  metadataJson: string;
  /** Metadata, parsed once per change of it. */
  metadata: RegistryMetadata;
}

/** A local, refreshed-on-read copy of the registry in Redis; see the file comment. */
export class RedisRegistryMirror {
  private epoch = NO_EPOCH;
  private seq = 0;
  private entries = new Map<string, MirrorEntry>();
  /** The entries ascending by identity; undefined = to be rebuilt. */
  private sorted: MirrorEntry[] | undefined = [];
  private running: Promise<number> | undefined;
  private queued: Promise<number> | undefined;

  /** Mirrors the registry at `keys`; reads nothing until the first refresh. */
  constructor(
    private readonly client: RedisCommandClient & RedisRegistryScripts,
    private readonly keys: RegistryKeys,
    private readonly address: string,
  ) {}

  /**
   * Brings the mirror up to date with a state Redis had after this call began, and resolves with the
   * Redis clock of that moment (Unix ms). Concurrent callers share refreshes: one that arrives while a
   * refresh runs waits for the next one. Rejects UNAVAILABLE (and the like) when Redis cannot answer.
   */
  refresh(): Promise<number> {
    if (this.running === undefined) {
      const running = this.sync().finally(() => {
        if (this.running === running) this.running = undefined;
      });
      this.running = running;
      return running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  /** The mirrored entries ascending by identity (UTF-16 code units), expired ones included. */
  inOrder(): readonly MirrorEntry[] {
    this.sorted ??= [...this.entries.values()].sort(byIdentity);
    return this.sorted;
  }

  /** Mirrored entries, expired ones included. */
  get size(): number {
    return this.entries.size;
  }

  /** One refresh: the changes since `seq`, or a reload then the changes during it. */
  private async sync(): Promise<number> {
    let reply = await this.changes(this.epoch, this.seq, MAX_INCREMENTAL);
    for (let reloads = 0; reply[3] === 0; reloads++) {
      if (reloads === MAX_RELOADS) {
        throw new ConnectError(
          `redis at ${this.address} is unavailable: the registry kept changing incarnation while it was being read; try again`,
          Code.Unavailable,
        );
      }
      const [, epoch, seq] = reply;
      await this.reload();
      this.epoch = epoch;
      this.seq = seq;
      reply = await this.changes(epoch, seq, 0);
    }
    const [now, epoch, seq, , changed, values] = reply;
    this.apply(changed, values);
    this.epoch = epoch;
    this.seq = seq;
    return now;
  }

  /** Replaces the entries with what chunked HSCANs read (metadata parsed again only where it changed). */
  private async reload(): Promise<void> {
    const previous = this.entries;
    const entries = new Map<string, MirrorEntry>();
    let cursor = "0";
    do {
      const [next, chunk] = await this.call(() => this.client.hscan(this.keys[0], cursor, "COUNT", HSCAN_COUNT));
      cursor = next;
      for (let index = 0; index < chunk.length; index += 2) {
        const identity = chunk[index] as string;
        const entry = toEntry(identity, chunk[index + 1] as string, previous.get(identity));
        if (entry !== undefined) entries.set(identity, entry);
      }
    } while (cursor !== "0");
    this.entries = entries;
    this.sorted = undefined;
  }

  /** Applies changed records (null = gone) in place, keeping the order when only a few arrive or leave. */
  private apply(changed: readonly string[], values: readonly (string | null)[]): void {
    const arrived: MirrorEntry[] = [];
    const departed: string[] = [];
    changed.forEach((identity, index) => {
      const value = values[index] ?? null;
      const existing = this.entries.get(identity);
      const entry = value === null ? undefined : toEntry(identity, value, existing);
      if (entry === undefined) {
        if (existing !== undefined) {
          this.entries.delete(identity);
          departed.push(identity);
        }
        return;
      }
      if (existing === undefined) {
        this.entries.set(identity, entry);
        arrived.push(entry);
      }
    });
    const sorted = this.sorted;
    if (sorted === undefined || arrived.length + departed.length === 0) return;
    if (arrived.length + departed.length > MAX_INCREMENTAL_REORDER) {
      this.sorted = undefined;
      return;
    }
    for (const identity of departed) {
      const index = lowerBound(sorted, identity);
      if (sorted[index]?.identity === identity) sorted.splice(index, 1);
    }
    for (const entry of arrived) sorted.splice(lowerBound(sorted, entry.identity), 0, entry);
  }

  private changes(epoch: string, seq: number, bound: number): Promise<RegistryChangesReply> {
    return this.call(() => this.client.prismRegistryChanges(...this.keys, epoch, seq, bound));
  }

  /** Runs one ioredis call, turning whatever it throws into a ConnectError. */
  private call<T>(run: () => Promise<T>): Promise<T> {
    return redisCall(this.address, run);
  }
}

/** The index of the first entry whose identity is >= `identity` in `sorted`. */
export function lowerBound(sorted: readonly MirrorEntry[], identity: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as MirrorEntry).identity < identity) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `existing` updated to `value` (or a new entry), reusing its parsed metadata when unchanged; undefined when malformed. */
function toEntry(identity: string, value: string, existing: MirrorEntry | undefined): MirrorEntry | undefined {
  const record = parseRecord(value);
  if (record === undefined) return undefined;
  const metadata =
    existing !== undefined && existing.metadataJson === record.metadataJson ? existing.metadata : parseMetadata(record.metadataJson);
  if (metadata === undefined) return undefined;
  if (existing === undefined) return { identity, ...record, metadata };
  existing.expiresAtMs = record.expiresAtMs;
  existing.registeredAtMs = record.registeredAtMs;
  existing.ttlMs = record.ttlMs;
  existing.metadataJson = record.metadataJson;
  existing.metadata = metadata;
  return existing;
}

function byIdentity(a: MirrorEntry, b: MirrorEntry): number {
  return a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0;
}
