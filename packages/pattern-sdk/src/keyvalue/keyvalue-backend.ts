// The contract a KeyValue pattern implements: plain async methods over string keys and byte values.
// Input validation (empty keys, size limits, cursor shape) happens before these are called;
// backends throw `ConnectError` with a gRPC `Code` for anything else that goes wrong.
import type { CallContext } from "@prism/wire";

/** One key (and, when requested, its value) returned by a scan. */
export interface KeyValueItem {
  /** The key. */
  key: string;
  /** The value; an empty array when the scan did not ask for values. */
  value: Uint8Array;
}

/** Arguments of one scan page, already validated. */
export interface ScanPageRequest {
  /** Literal prefix (no glob meaning); empty matches every key. */
  prefix: string;
  /** The backend's own cursor from the previous page, or "" to start. */
  cursor: string;
  /** Maximum number of items to return on this page (>= 1). */
  limit: number;
  /** Whether each item carries its value. */
  includeValues: boolean;
}

/** One page of a scan. */
export interface ScanPage {
  /** Items in this page. */
  items: KeyValueItem[];
  /** Cursor for the next page; "" when the scan is complete. */
  nextCursor: string;
}

/** One entry of a batch write. */
export interface KeyValueEntry {
  /** The key to write. */
  key: string;
  /** The value to store. */
  value: Uint8Array;
  /** Time to live in milliseconds; 0 = no expiry. */
  ttlMs: number;
}

/**
 * A KeyValue backend. Optional batch methods fall back to one call per key when absent. Every
 * method also receives the call's `context` (its abort signal and, when the proxy authenticates
 * callers, the verified `identity`); most backends ignore it.
 */
export interface KeyValueBackend {
  /** Stores `value` under `key`, replacing any previous value and TTL; ttlMs 0 = no expiry. */
  set(key: string, value: Uint8Array, ttlMs: number, context?: CallContext): Promise<void> | void;
  /** Returns the value, or undefined when the key is missing or expired. */
  get(key: string, context?: CallContext): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Removes the key; returns whether it existed. */
  delete(key: string, context?: CallContext): Promise<boolean> | boolean;
  /** Tells whether the key is present and not expired. */
  exists(key: string, context?: CallContext): Promise<boolean> | boolean;
  /** Returns one page of keys starting with a literal prefix. A key present for a whole scan must be returned exactly once. */
  scan(request: ScanPageRequest, context?: CallContext): Promise<ScanPage> | ScanPage;
  /** Reads many keys; undefined marks a missing key. Same order as `keys`. */
  getMany?(keys: string[], context?: CallContext): Promise<(Uint8Array | undefined)[]>;
  /** Writes many entries. */
  setMany?(entries: KeyValueEntry[], context?: CallContext): Promise<void>;
  /** Removes many keys; whether each existed, in order. */
  deleteMany?(keys: string[], context?: CallContext): Promise<boolean[]>;
}
