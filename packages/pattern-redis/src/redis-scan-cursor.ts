// The opaque scan cursor of the redis pattern: the Redis SCAN cursor plus the matching keys a
// SCAN reply brought beyond the page limit (so none is lost), bound to the scan it belongs to (the
// namespace's key prefix and the scan prefix) and wrapped by encodeScanCursor.
//
// Cursors are not signed: they stay valid across pattern restarts and between proxies sharing one
// Redis, which a per-process secret would break. A client can still forge one, so nothing in a
// cursor is trusted: its keys must start with the scan prefix and are re-read from Redis before
// they are returned (see RedisKeyValue.scan), and they are always looked up under the namespace's
// key prefix. A forged cursor can at most return keys a scan of the same prefix would return.
import { createHash } from "node:crypto";
import { Code, ConnectError, decodeScanCursor, encodeScanCursor } from "@prism/pattern-sdk";

/** Tag of redis scan cursors, so cursors of other backends (and of the unbound format "rd1") are rejected. */
const CURSOR_TAG = "rd2";

/** Resume state of a scan. */
export interface RedisScanState {
  /** Redis SCAN cursor to continue from; "0" in a non-initial state = Redis has no more keys. */
  redisCursor: string;
  /** Keys (without the namespace prefix) already found by SCAN but not yet returned, in order. */
  pending: string[];
}

/** The scan a cursor belongs to; a cursor made for another one is rejected. */
export interface RedisScanScope {
  /** The namespace's key prefix in Redis. */
  keyPrefix: string;
  /** The literal key prefix being scanned. */
  prefix: string;
}

/** Wraps a scan state into an opaque cursor valid only for `scope`. */
export function encodeRedisScanCursor(state: RedisScanState, scope: RedisScanScope): string {
  return encodeScanCursor(CURSOR_TAG, JSON.stringify({ s: scopeDigest(scope), c: state.redisCursor, p: state.pending }));
}

/**
 * Unwraps a cursor made by encodeRedisScanCursor for `scope`; throws INVALID_ARGUMENT "malformed or
 * foreign scan cursor" unless it has exactly that shape, was made for `scope`, and every pending key
 * starts with `scope.prefix`. The pending keys may still be forged: check them against Redis before use.
 */
export function decodeRedisScanCursor(cursor: string, scope: RedisScanScope): RedisScanState {
  const { c, p } = decodeScopedFields(CURSOR_TAG, "redis", cursor, scope, ["s", "c", "p"]);
  const state = checkedScanState(c, p, scope);
  if (state.redisCursor === "0" && state.pending.length === 0) throw malformed("scan already complete");
  return state;
}

/** Tag of redis cluster scan cursors: a cluster cursor is never taken for a single-server one, nor the reverse. */
const CLUSTER_CURSOR_TAG = "rc1";

/** Most masters a cluster cursor may point at (a Redis Cluster has at most 16384 slots, so masters). */
const MAX_MASTER_INDEX = 16_383;

/** Resume state of a scan across the masters of a Redis Cluster. */
export interface RedisClusterScanState extends RedisScanState {
  /** Index of the master being scanned, in the masters sorted by `host:port`; `redisCursor` "0" = start of that master. */
  master: number;
}

/** Wraps a cluster scan state into an opaque cursor valid only for `scope`: {s: scope digest, m: master index, c: SCAN cursor, p: pending keys}. */
export function encodeRedisClusterScanCursor(state: RedisClusterScanState, scope: RedisScanScope): string {
  return encodeScanCursor(
    CLUSTER_CURSOR_TAG,
    JSON.stringify({ s: scopeDigest(scope), m: state.master, c: state.redisCursor, p: state.pending }),
  );
}

/**
 * Unwraps a cursor made by encodeRedisClusterScanCursor for `scope`; throws INVALID_ARGUMENT like
 * decodeRedisScanCursor. The master index is only range-checked: a master past the last one means done.
 */
export function decodeRedisClusterScanCursor(cursor: string, scope: RedisScanScope): RedisClusterScanState {
  const { m, c, p } = decodeScopedFields(CLUSTER_CURSOR_TAG, "redis cluster", cursor, scope, ["s", "m", "c", "p"]);
  if (typeof m !== "number" || !Number.isInteger(m) || m < 0 || m > MAX_MASTER_INDEX) throw malformed("bad master index");
  return { master: m, ...checkedScanState(c, p, scope) };
}

/**
 * The fields of a cursor with tag `tag`: a JSON object with exactly `names`, whose `s` is the digest of
 * `scope`; throws INVALID_ARGUMENT (naming `kind` when the tag is wrong) otherwise. Values are unchecked.
 */
function decodeScopedFields(
  tag: string,
  kind: string,
  cursor: string,
  scope: RedisScanScope,
  names: readonly string[],
): Record<string, unknown> {
  let text: string;
  try {
    text = decodeScanCursor(tag, cursor);
  } catch {
    throw malformed(`not a ${kind} scan cursor`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw malformed("not an object");
  const fields = Object.keys(parsed);
  if (fields.length !== names.length || !names.every((name) => fields.includes(name))) throw malformed("unexpected fields");
  const record = parsed as Record<string, unknown>;
  if (record.s !== scopeDigest(scope)) throw malformed("made for another prefix or namespace");
  return record;
}

/** The SCAN cursor `c` and pending keys `p` of a decoded cursor, checked: a decimal SCAN cursor, keys under `scope.prefix`. */
function checkedScanState(c: unknown, p: unknown, scope: RedisScanScope): RedisScanState {
  if (typeof c !== "string" || !/^(0|[1-9]\d{0,19})$/.test(c)) throw malformed("bad Redis cursor");
  if (!Array.isArray(p) || !p.every((key): key is string => typeof key === "string" && key.startsWith(scope.prefix))) {
    throw malformed("bad pending keys");
  }
  return { redisCursor: c, pending: p };
}

/** A short digest of `scope`, so a cursor is recognised as belonging to it (an integrity check, not a secret). */
function scopeDigest(scope: RedisScanScope): string {
  return createHash("sha256")
    .update(JSON.stringify([scope.keyPrefix, scope.prefix]))
    .digest("base64url")
    .slice(0, 16);
}

/** The INVALID_ARGUMENT of a rejected cursor; it never echoes the cursor, so its length is bounded. */
function malformed(why: string): ConnectError {
  return new ConnectError(
    `malformed or foreign scan cursor (${why}): pass the next_cursor of the previous page unchanged, with the same prefix, or "" to start`,
    Code.InvalidArgument,
  );
}
