// printable: text from the proxy made safe for a terminal (control characters shown as escapes, never interpreted).

/** Whether a code point must not reach a terminal as is: C0 and C1 controls, DEL, bidirectional overrides and isolates. */
function isUnsafe(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** Replaces control characters in `text` by visible escapes (\n, \t, \u001b, …) so it cannot drive the terminal. */
export function printable(text: string): string {
  return escapeUnsafe(text, false);
}

/** Like printable, but keeps line breaks and tabs (a multi-line value shown as it is). */
export function printableLines(text: string): string {
  return escapeUnsafe(text, true);
}

/** Escapes every unsafe character of `text`, except line breaks and tabs when `keepLines`. */
function escapeUnsafe(text: string, keepLines: boolean): string {
  if (/^[ -~]*$/.test(text)) return text; // printable ASCII only: nothing to do
  let result = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const kept = keepLines && (char === "\n" || char === "\t");
    result += isUnsafe(code) && !kept ? escapeControl(char) : char;
  }
  return result;
}

/** The visible escape of one control character. */
function escapeControl(char: string): string {
  if (char === "\n") return "\\n";
  if (char === "\t") return "\\t";
  if (char === "\r") return "\\r";
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`;
}
