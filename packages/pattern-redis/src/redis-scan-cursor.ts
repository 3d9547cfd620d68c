// The opaque scan cursor of the redis pattern: the Redis SCAN cursor plus the matching keys a
// SCAN reply brought beyond the page limit (so none is lost), wrapped by encodeScanCursor.
import { Code, ConnectError, decodeScanCursor, encodeScanCursor } from "@prism/pattern-sdk";

/** Tag of redis scan cursors, so cursors of other backends are rejected. */
const CURSOR_TAG = "rd1";

/** Resume state of a scan. */
export interface RedisScanState {
  /** Redis SCAN cursor to continue from; "0" in a non-initial state = Redis has no more keys. */
  redisCursor: string;
  /** Keys (without the namespace prefix) already found by SCAN but not yet returned, in order. */
  pending: string[];
}

/** Wraps a scan state into an opaque cursor. */
export function encodeRedisScanCursor(state: RedisScanState): string {
  return encodeScanCursor(CURSOR_TAG, JSON.stringify({ c: state.redisCursor, p: state.pending }));
}

/**
 * Unwraps a cursor made by encodeRedisScanCursor for a scan of `prefix`; throws INVALID_ARGUMENT
 * "malformed scan cursor" unless it has exactly that shape and every pending key starts with `prefix`.
 */
export function decodeRedisScanCursor(cursor: string, prefix: string): RedisScanState {
  const text = decodeScanCursor(CURSOR_TAG, cursor);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed(cursor, "not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw malformed(cursor, "not an object");
  const fields = Object.keys(parsed);
  if (fields.length !== 2 || !fields.includes("c") || !fields.includes("p")) throw malformed(cursor, "unexpected fields");
  const { c, p } = parsed as { c: unknown; p: unknown };
  if (typeof c !== "string" || !/^(0|[1-9]\d{0,19})$/.test(c)) throw malformed(cursor, "bad Redis cursor");
  if (!Array.isArray(p) || !p.every((key): key is string => typeof key === "string" && key.startsWith(prefix))) {
    throw malformed(cursor, "bad pending keys");
  }
  if (c === "0" && p.length === 0) throw malformed(cursor, "scan already complete");
  return { redisCursor: c, pending: p };
}

function malformed(cursor: string, why: string): ConnectError {
  const shown = cursor.length > 40 ? `${cursor.slice(0, 40)}…` : cursor;
  return new ConnectError(
    `malformed scan cursor "${shown}" (${why}): pass the next_cursor of the previous page unchanged, or "" to start`,
    Code.InvalidArgument,
  );
}
