// Opaque scan cursors: a backend's resume state wrapped as base64url with a tag, so a cursor
// from another backend or a hand-edited string is rejected as INVALID_ARGUMENT.
import { Code, ConnectError } from "@connectrpc/connect";

/** Wraps a backend's resume state (for example the last key returned) into an opaque cursor. */
export function encodeScanCursor(tag: string, state: string): string {
  return Buffer.from(`${tag}:${state}`, "utf8").toString("base64url");
}

/** Unwraps a cursor made by `encodeScanCursor` with the same tag; throws INVALID_ARGUMENT otherwise. */
export function decodeScanCursor(tag: string, cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw malformed(cursor);
  }
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(`${tag}:`) || Buffer.from(text, "utf8").toString("base64url") !== cursor) {
    throw malformed(cursor);
  }
  return text.slice(tag.length + 1);
}

function malformed(cursor: string): ConnectError {
  const shown = cursor.length > 40 ? `${cursor.slice(0, 40)}…` : cursor;
  return new ConnectError(
    `malformed scan cursor "${shown}": pass the next_cursor of the previous page unchanged, or "" to start`,
    Code.InvalidArgument,
  );
}
