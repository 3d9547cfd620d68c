// UsageError: a command line prismctl cannot act on (a malformed argument, an unreadable file); exits with code 2.

/** A bad command line, found by prismctl itself before (or instead of) calling the proxy. */
export class UsageError extends Error {
  override name = "UsageError";
}
