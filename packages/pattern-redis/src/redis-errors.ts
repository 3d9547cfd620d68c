// Maps what ioredis throws to gRPC-coded ConnectErrors: connection trouble and timeouts are
// UNAVAILABLE (retryable) naming the Redis address, OOM is RESOURCE_EXHAUSTED, other replies INTERNAL.
import { Code, ConnectError } from "@prism/pattern-sdk";

/** Node socket error codes that mean the server cannot be reached right now. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
]);

/** ioredis messages (prefixes) of a request that failed because the connection is down or slow. */
const UNAVAILABLE_MESSAGES = [
  "Stream isn't writeable",
  "Connection is closed",
  "Command timed out",
  "Reached the max retries per request limit",
  "connect ETIMEDOUT",
  "Socket timeout",
  // Redis Cluster (ioredis Cluster) while it has no usable view of the cluster.
  "Cluster isn't ready",
  "None of startup nodes is available",
  "Failed to refresh slots cache",
  "Too many Cluster redirections",
];

/** Redis error replies that mean "try again later" rather than a bug: loading, busy script, failover. */
const TRANSIENT_REPLIES = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"];

/** Runs ioredis calls, turning whatever they throw into a ConnectError naming `address`. */
export async function redisCall<T>(address: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toConnectError(error, address);
  }
}

/** Converts anything thrown by an ioredis call into a ConnectError; a ConnectError passes unchanged. */
export function toConnectError(error: unknown, address: string): ConnectError {
  if (error instanceof ConnectError) return error;
  const first = firstPreviousError(error);
  return fromError(first ?? error, address);
}

/** toConnectError of an error that is not an aborted MULTI. */
function fromError(error: unknown, address: string): ConnectError {
  if (!(error instanceof Error)) return new ConnectError(`redis at ${address}: ${String(error)}`, Code.Internal);
  const { message } = error;
  if (error.name === "ReplyError") {
    if (message.startsWith("OOM")) {
      return new ConnectError(`redis at ${address} is out of memory: ${message}`, Code.ResourceExhausted, undefined, undefined, error);
    }
    if (TRANSIENT_REPLIES.some((prefix) => message.startsWith(prefix))) {
      return new ConnectError(`redis at ${address} is unavailable: ${message}`, Code.Unavailable, undefined, undefined, error);
    }
    return new ConnectError(`redis at ${address} replied with an error: ${message}`, Code.Internal, undefined, undefined, error);
  }
  if (isConnectionProblem(error)) {
    return new ConnectError(`redis at ${address} is unavailable: ${message}`, Code.Unavailable, undefined, undefined, error);
  }
  return new ConnectError(`redis at ${address}: ${message}`, Code.Internal, undefined, undefined, error);
}

/** Tells whether `error` says the connection is down, closed, or too slow. */
function isConnectionProblem(error: Error): boolean {
  if (error.name === "MaxRetriesPerRequestError" || error.name === "AbortError") return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  return UNAVAILABLE_MESSAGES.some((prefix) => error.message.startsWith(prefix));
}

/**
 * The first queued-command error behind an EXECABORT of a MULTI (ioredis attaches them as `previousErrors`), itself
 * without previous errors. A MULTI cut by a closed connection fails every command with one error object, which then
 * lists itself: that (or any cycle) ends at the error itself, undefined.
 */
function firstPreviousError(error: unknown): Error | undefined {
  const seen = new Set<unknown>([error]);
  let found: Error | undefined;
  let current: unknown = error;
  for (;;) {
    if (typeof current !== "object" || current === null) return found;
    const previous = (current as { previousErrors?: unknown }).previousErrors;
    const first: unknown = Array.isArray(previous) ? previous[0] : undefined;
    if (!(first instanceof Error) || seen.has(first)) return found;
    seen.add(first);
    found = first;
    current = first;
  }
}
