// Escaping of literal text for Redis glob patterns (SCAN MATCH, KEYS), so `*?[]\` match themselves.

/** Characters with a glob meaning in Redis patterns; `]` is escaped too for symmetry. */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/** Returns `text` with every `*`, `?`, `[`, `]` and `\` backslash-escaped, to match literally in a Redis pattern. */
export function escapeRedisGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, (char) => `\\${char}`);
}
