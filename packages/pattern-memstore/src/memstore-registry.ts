// MemStoreRegistry: the in-memory store slot of the Multicast Registry. Identities live in a Map
// beside a sorted index (SortedKeySet) for ordered, cursor-stable enumeration; expiry is checked on
// every access (an identity past its expiry is absent everywhere) and reclaimed via a heap ordered
// by expiry, swept periodically and before any read that walks the index.
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
import { ExpiryHeap, type ExpiryNode } from "./expiry-heap.js";
import { SortedKeySet } from "./sorted-key-set.js";

/** The expiry heap is rebuilt without stale nodes once it holds more than this many beyond twice the live ones. */
const EXPIRY_HEAP_SLACK = 1024;

/** Options of a MemStoreRegistry. */
export interface MemStoreRegistryOptions {
  /** How often expired identities are swept from memory, in milliseconds; 0 = never (expiry is still checked on access). */
  sweepIntervalMs: number;
  /** Clock in milliseconds, injectable for tests (default Date.now). */
  now?: () => number;
}

/** Counters of a MemStoreRegistry, for health details and tests. */
export interface MemStoreRegistryStats {
  /** Identities held, including expired ones not yet swept. */
  held: number;
  /** Identities removed because their TTL passed, since creation. */
  expired: number;
}

interface Entry {
  /** The identity as returned to callers (replaced, never mutated). */
  record: RegisteredIdentity;
  /** This entry's node in the expiry heap; a node is stale unless it is its identity's current `expiry`. */
  expiry: ExpiryNode;
}

/** In-memory RegistryStore: identities with metadata and a TTL, enumerated in identity order. */
export class MemStoreRegistry implements RegistryStore {
  private readonly entries = new Map<string, Entry>();
  /** Every identity in `entries`, ascending. */
  private readonly sorted = new SortedKeySet();
  private readonly expiryHeap = new ExpiryHeap();
  private readonly now: () => number;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private expired = 0;

  /** Creates an empty registry and starts its sweeper. */
  constructor(options: MemStoreRegistryOptions) {
    this.now = options.now ?? Date.now;
    if (options.sweepIntervalMs > 0) {
      this.timer = setInterval(() => this.sweepExpired(), options.sweepIntervalMs);
      this.timer.unref();
    }
  }

  async register(request: RegistrationRequest): Promise<RegistrationResult> {
    const now = this.now();
    const { identity } = request;
    const old = this.live(identity, now);
    if (old !== undefined && !request.replace) {
      throw new ConnectError(
        `identity ${quote(identity)} is already registered (pass replace to overwrite it, or unregister it first)`,
        Code.AlreadyExists,
      );
    }
    if (old === undefined && this.entries.size >= request.maxIdentities) {
      // Expired identities not yet swept must not make a registration fail.
      this.sweep(now);
      if (this.entries.size >= request.maxIdentities) {
        throw new ConnectError(
          `the registry holds ${this.entries.size} identities (limits.maxIdentities ${request.maxIdentities}); unregister some or raise the limit`,
          Code.ResourceExhausted,
        );
      }
    }
    const record: RegisteredIdentity = {
      identity,
      metadata: request.metadata,
      registeredAtMs: now,
      expiresAtMs: now + request.ttlMs,
      ttlMs: request.ttlMs,
    };
    this.store(record, old === undefined);
    return { registeredAtMs: record.registeredAtMs, expiresAtMs: record.expiresAtMs };
  }

  async heartbeat(identity: string, ttlMs: number): Promise<number | undefined> {
    const now = this.now();
    const entry = this.live(identity, now);
    if (entry === undefined) return undefined;
    const expiresAtMs = now + (ttlMs > 0 ? ttlMs : entry.record.ttlMs);
    this.store({ ...entry.record, expiresAtMs }, false);
    return expiresAtMs;
  }

  async unregister(identity: string): Promise<boolean> {
    const entry = this.live(identity, this.now());
    if (entry === undefined) return false;
    this.remove(identity);
    return true;
  }

  async get(identity: string): Promise<RegisteredIdentity | undefined> {
    return this.live(identity, this.now())?.record;
  }

  /**
   * One page: walks the candidate range (identities starting with the filter's identity prefix, or
   * all) once, returning matches after `after` and counting every match for totalCount.
   */
  async enumerate(request: EnumeratePageRequest): Promise<EnumeratePage> {
    const { filter, after } = request;
    const limit = Math.max(1, request.limit);
    // After the sweep every identity held is live at `now`, and nothing changes during the walk.
    this.sweep(this.now());
    const prefix = filter.identityPrefix;
    const identities: RegisteredIdentity[] = [];
    let more = false;
    if (filter.matchesAll && prefix === "") {
      // Everything matches: the count is known, so only the page itself is walked.
      for (const identity of this.sorted.keysFrom(after, true)) {
        if (identities.length === limit) {
          more = true;
          break;
        }
        identities.push(this.entries.get(identity)!.record);
      }
      return { identities, more, totalCount: this.entries.size };
    }
    let totalCount = 0;
    const entries = this.entries;
    this.sorted.forEachFrom(prefix, false, (identity) => {
      if (prefix !== "" && !identity.startsWith(prefix)) return false;
      const record = entries.get(identity)!.record;
      if (!filter.matches(identity, record.metadata)) return true;
      totalCount++;
      if (identity <= after) return true;
      if (identities.length < limit) identities.push(record);
      else more = true;
      return true;
    });
    return { identities, more, totalCount };
  }

  size(): number {
    this.sweep(this.now());
    return this.entries.size;
  }

  /** Removes every expired identity now, in O(k log n) for k of them; returns how many were removed. */
  sweepExpired(): number {
    return this.sweep(this.now());
  }

  /** Current counters. */
  stats(): MemStoreRegistryStats {
    return { held: this.entries.size, expired: this.expired };
  }

  /** Stops the sweeper; the data stays readable. */
  close(): void {
    clearInterval(this.timer);
  }

  /** The entry of `identity` if present and unexpired; an expired entry is removed on the way. */
  private live(identity: string, now: number): Entry | undefined {
    const entry = this.entries.get(identity);
    if (entry !== undefined && entry.record.expiresAtMs <= now) {
      this.remove(identity);
      this.expired++;
      return undefined;
    }
    return entry;
  }

  /** Stores `record` (a new identity when `isNew`), scheduling its expiry. */
  private store(record: RegisteredIdentity, isNew: boolean): void {
    const expiry = { key: record.identity, expiresAt: record.expiresAtMs };
    this.entries.set(record.identity, { record, expiry });
    if (isNew) this.sorted.add(record.identity);
    this.expiryHeap.push(expiry);
    if (this.expiryHeap.size > 2 * this.entries.size + EXPIRY_HEAP_SLACK) {
      this.expiryHeap.retain((node) => this.entries.get(node.key)?.expiry === node);
    }
  }

  /** Removes every identity expired at `now` by popping the expiry heap; returns how many were removed. */
  private sweep(now: number): number {
    const heap = this.expiryHeap;
    let count = 0;
    for (let node = heap.peek(); node !== undefined && node.expiresAt <= now; node = heap.peek()) {
      heap.pop();
      if (this.entries.get(node.key)?.expiry !== node) continue; // stale: removed or renewed since
      this.remove(node.key);
      this.expired++;
      count++;
    }
    return count;
  }

  /** Removes `identity` from the map and the index (its heap node goes stale). */
  private remove(identity: string): void {
    this.entries.delete(identity);
    this.sorted.delete(identity);
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
