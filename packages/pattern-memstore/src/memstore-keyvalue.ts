// MemStoreKeyValue: the in-memory KeyValue backend. TTL (checked on every access, reclaimed by a
// periodic sweeper and before any eviction, via a heap ordered by expiry), a key-count and byte
// capacity with LRU eviction, and a literal prefix scan over a sorted key index (SortedKeySet, O(log n)
// updates) whose cursor (the last key returned) stays correct under concurrent writes.
import {
  Code,
  ConnectError,
  decodeScanCursor,
  encodeScanCursor,
  type KeyValueBackend,
  type KeyValueEntry,
  type KeyValueItem,
  type ScanPage,
  type ScanPageRequest,
} from "@prism/pattern-sdk";
import { ExpiryHeap, type ExpiryNode } from "./expiry-heap.js";
import { SortedKeySet } from "./sorted-key-set.js";

/** Tag of memstore scan cursors, so cursors of other backends are rejected. */
const CURSOR_TAG = "ms1";

/** The expiry heap is rebuilt without stale nodes once it holds more than this many beyond twice the live ones. */
const EXPIRY_HEAP_SLACK = 1024;

/** Options of a MemStoreKeyValue. */
export interface MemStoreKeyValueOptions {
  /** Most keys held at once; 0 = unlimited. */
  capacity: number;
  /** What happens when a new key does not fit: evict least recently used keys, or refuse the write. */
  eviction: "lru" | "none";
  /** Most bytes held at once (sum of key UTF-8 length and value bytes); 0 = unlimited. */
  maxMemoryBytes: number;
  /** How often expired keys are swept from memory, in milliseconds; 0 = never (expiry is still checked on access). */
  sweepIntervalMs: number;
  /** Clock in milliseconds, injectable for tests (default Date.now). */
  now?: () => number;
}

/** Counters of a MemStoreKeyValue, for health details. */
export interface MemStoreStats {
  /** Keys held, including expired keys not yet swept. */
  keys: number;
  /** Bytes held (key UTF-8 length plus value bytes). */
  bytes: number;
  /** Keys evicted to make room since creation. */
  evictions: number;
  /** Keys removed because their TTL passed since creation. */
  expired: number;
}

interface Entry {
  /** Private copy of the value. */
  value: Uint8Array;
  /** This entry's node in the expiry heap (it holds the expiry time); undefined = never expires. */
  expiry: ExpiryNode | undefined;
  /** Key UTF-8 length plus value length. */
  size: number;
}

/** In-memory KeyValue backend with TTL, capacity, LRU eviction and prefix scan. */
export class MemStoreKeyValue implements KeyValueBackend {
  /** Entries in least- to most-recently-used order (Map insertion order). */
  private readonly entries = new Map<string, Entry>();
  /** Every key in `entries`, ascending, for scans. */
  private readonly sortedKeys = new SortedKeySet();
  /** Expiry nodes, earliest first; a node is stale unless it is its key's current `entry.expiry`. */
  private readonly expiryHeap = new ExpiryHeap();
  /** Entries that have an expiry (live nodes in `expiryHeap`). */
  private expiringCount = 0;
  private readonly options: MemStoreKeyValueOptions;
  private readonly now: () => number;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private bytes = 0;
  private evictions = 0;
  private expired = 0;

  /** Creates an empty store and starts its sweeper. */
  constructor(options: MemStoreKeyValueOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    if (options.sweepIntervalMs > 0) {
      this.timer = setInterval(() => this.sweepExpired(), options.sweepIntervalMs);
      this.timer.unref();
    }
  }

  /** Stores a copy of `value` under `key`, replacing any previous value and TTL; ttlMs 0 = no expiry. */
  set(key: string, value: Uint8Array, ttlMs: number): void {
    const now = this.now();
    const size = Buffer.byteLength(key, "utf8") + value.byteLength;
    const { maxMemoryBytes } = this.options;
    if (maxMemoryBytes > 0 && size > maxMemoryBytes) {
      throw new ConnectError(
        `key and value take ${size} bytes, more than the whole memstore may hold (maxMemoryBytes ${maxMemoryBytes})`,
        Code.ResourceExhausted,
      );
    }
    const old = this.live(key, now);
    if (old) {
      // Most recently used from now on, so eviction below reaches every other key first.
      this.entries.delete(key);
      this.entries.set(key, old);
    }
    this.makeRoom(key, old ? 0 : 1, size - (old?.size ?? 0), now);

    const expiry = ttlMs > 0 ? { key, expiresAt: now + ttlMs } : undefined;
    this.entries.delete(key);
    this.entries.set(key, { value: value.slice(), expiry, size });
    this.bytes += size - (old?.size ?? 0);
    if (!old) this.sortedKeys.add(key);
    if (old?.expiry) this.expiringCount--; // its heap node is stale from now on
    if (expiry) {
      this.expiringCount++;
      this.expiryHeap.push(expiry);
      if (this.expiryHeap.size > 2 * this.expiringCount + EXPIRY_HEAP_SLACK) {
        this.expiryHeap.retain((node) => this.entries.get(node.key)?.expiry === node);
      }
    }
  }

  /**
   * Returns the stored value itself, not a copy (callers must not mutate it), and marks the key recently used;
   * undefined when missing or expired.
   */
  get(key: string): Uint8Array | undefined {
    const entry = this.live(key, this.now());
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    // No copy: the SDK's handlers only encode the value, so a copy per read would be wasted work.
    return entry.value;
  }

  /** Removes the key; returns whether it existed (an expired key did not). */
  delete(key: string): boolean {
    const entry = this.live(key, this.now());
    if (!entry) return false;
    this.remove(key, entry);
    return true;
  }

  /** Tells whether the key is present and not expired; does not change its recency. */
  exists(key: string): boolean {
    return this.live(key, this.now()) !== undefined;
  }

  /** Returns up to `limit` unexpired keys starting with the literal `prefix`, in ascending order, after the cursor's key. */
  scan(request: ScanPageRequest): ScanPage {
    const { prefix, cursor, includeValues } = request;
    const limit = Math.max(1, request.limit);
    // Start at the first key >= prefix, or after the cursor's key when that is further on.
    const after = cursor === "" ? undefined : decodeScanCursor(CURSOR_TAG, cursor);
    const keys = after !== undefined && after >= prefix ? this.sortedKeys.keysFrom(after, true) : this.sortedKeys.keysFrom(prefix);

    const now = this.now();
    const items: KeyValueItem[] = [];
    const expiredKeys: string[] = [];
    let more = false;
    for (const key of keys) {
      if (!key.startsWith(prefix)) break;
      const entry = this.entries.get(key)!;
      if (isExpired(entry, now)) {
        expiredKeys.push(key);
        continue;
      }
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push({ key, value: includeValues ? entry.value.slice() : new Uint8Array(0) });
    }
    // Removed only now: the key set must not change while it is being iterated.
    for (const key of expiredKeys) this.expire(key);
    const last = items.at(-1);
    return { items, nextCursor: more && last ? encodeScanCursor(CURSOR_TAG, last.key) : "" };
  }

  /** Reads many keys, as get (stored values, not copies); undefined marks a missing or expired key. */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    return keys.map((key) => this.get(key));
  }

  /** Writes many entries in order; stops at the first that does not fit. */
  async setMany(entries: KeyValueEntry[]): Promise<void> {
    for (const entry of entries) this.set(entry.key, entry.value, entry.ttlMs);
  }

  /** Removes many keys; whether each existed, in order. */
  async deleteMany(keys: string[]): Promise<boolean[]> {
    return keys.map((key) => this.delete(key));
  }

  /** Removes every expired key now, in O(k log n) for k expired keys; returns how many were removed. */
  sweepExpired(): number {
    return this.sweep(this.now());
  }

  /** Current counters. */
  stats(): MemStoreStats {
    return { keys: this.entries.size, bytes: this.bytes, evictions: this.evictions, expired: this.expired };
  }

  /** Stops the sweeper; the data stays readable. */
  close(): void {
    clearInterval(this.timer);
  }

  /** The entry of `key` if present and unexpired; an expired entry is removed on the way. */
  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && isExpired(entry, now)) {
      this.expire(key);
      return undefined;
    }
    return entry;
  }

  /** Removes every key expired at `now` by popping the expiry heap; returns how many were removed. */
  private sweep(now: number): number {
    const heap = this.expiryHeap;
    let count = 0;
    for (let node = heap.peek(); node !== undefined && node.expiresAt <= now; node = heap.peek()) {
      heap.pop();
      const entry = this.entries.get(node.key);
      if (entry?.expiry !== node) continue; // stale: the key was deleted or rewritten since
      this.remove(node.key, entry);
      this.expired++;
      count++;
    }
    return count;
  }

  /** Evicts (or, with eviction "none", refuses) until `addKeys` more keys and `addBytes` more bytes fit. */
  private makeRoom(key: string, addKeys: number, addBytes: number, now: number): void {
    const { capacity, maxMemoryBytes, eviction } = this.options;
    const overKeys = () => capacity > 0 && this.entries.size + addKeys > capacity;
    const overBytes = () => maxMemoryBytes > 0 && this.bytes + addBytes > maxMemoryBytes;
    // Expired keys not yet swept must neither make a write fail nor push out live keys. Swept at the
    // caller's `now`, so the key being written (live at `now`) stays.
    if (overKeys() || overBytes()) this.sweep(now);
    if (eviction === "none") {
      if (overKeys()) {
        throw new ConnectError(
          `memstore is full: ${this.entries.size} keys (capacity ${capacity}); delete keys or raise capacity`,
          Code.ResourceExhausted,
        );
      }
      if (overBytes()) {
        throw new ConnectError(
          `memstore is full: ${this.bytes} bytes held, ${addBytes} more needed ` +
            `(maxMemoryBytes ${maxMemoryBytes}); delete keys or raise maxMemoryBytes`,
          Code.ResourceExhausted,
        );
      }
      return;
    }
    while (overKeys() || overBytes()) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined || oldest === key) return;
      this.remove(oldest, this.entries.get(oldest)!);
      this.evictions++;
    }
  }

  /** Removes an expired key and counts it. */
  private expire(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.remove(key, entry);
    this.expired++;
  }

  /** Removes `key` from every structure (its expiry node, if any, goes stale). */
  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (entry.expiry) this.expiringCount--;
    this.bytes -= entry.size;
    this.sortedKeys.delete(key);
  }
}

function isExpired(entry: Entry, now: number): boolean {
  return entry.expiry !== undefined && entry.expiry.expiresAt <= now;
}
