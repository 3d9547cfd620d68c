// The servers of the nats pattern's `url` field: a comma-separated list of server URLs, each of
// which may carry user:password@ (shown without it in logs and messages).

/** The server URLs of a comma-separated `url`. */
export function serverList(url: string): string[] {
  return url
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** A server URL without its user:password@ part (with or without a scheme), for logs and messages. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?.*@/s, "$1");
}
