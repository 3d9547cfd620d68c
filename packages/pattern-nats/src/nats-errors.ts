// Translation of nats.js failures into gRPC errors: a message larger than the server accepts is
// INVALID_ARGUMENT; anything else the connection or JetStream refused is UNAVAILABLE (retryable),
// with a message naming the operation and the server.
import { InvalidArgumentError } from "@nats-io/transport-node";
import { Code, ConnectError } from "@prism/pattern-sdk";

/** An UNAVAILABLE error saying that `operation` failed against `server`, and why. */
export function unavailable(operation: string, server: string, cause: unknown): ConnectError {
  if (cause instanceof ConnectError) return cause;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ConnectError(`${operation} failed: NATS at ${server}: ${why}`, Code.Unavailable, undefined, undefined, cause);
}

/** The error for a call made before start() connected, or after stop(). */
export function notConnected(server: string): ConnectError {
  return new ConnectError(`not connected to NATS at ${server} (pattern not started, or stopped)`, Code.Unavailable);
}

/** The error for `operation` attempted while the connection to `server` is lost and being re-established. */
export function reconnecting(operation: string, server: string, downMs: number): ConnectError {
  return new ConnectError(
    `${operation} failed: not connected to NATS at ${server} (connection lost ${downMs} ms ago, reconnecting)`,
    Code.Unavailable,
  );
}

/** The error for `operation` attempted while `server` has not been reachable since start (the link keeps trying). */
export function notYetConnected(operation: string, server: string, downMs: number, lastError: string | undefined): ConnectError {
  const cause = lastError === undefined ? "" : `: ${lastError}`;
  return new ConnectError(
    `${operation} failed: NATS at ${server} has not been reachable since start ${downMs} ms ago${cause}; reconnecting in the background`,
    Code.Unavailable,
  );
}

/** The error of a start whose connection `server` refused (credentials, for example): retrying would not help. */
export function connectionRefused(server: string, cause: unknown): ConnectError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ConnectError(
    `connecting failed: NATS at ${server} refused the connection: ${why} (check url, user, pass and token)`,
    Code.Unavailable,
    undefined,
    undefined,
    cause,
  );
}

/** The error for `operation` attempted while the JetStream stream `stream` is not set up yet (it is being retried). */
export function streamNotReady(operation: string, stream: string, server: string, lastError: string | undefined): ConnectError {
  const cause = lastError === undefined ? "" : `: ${lastError}`;
  return new ConnectError(
    `${operation} failed: JetStream stream ${stream} on NATS at ${server} is not set up yet${cause}; retrying`,
    Code.Unavailable,
  );
}

/** The error for `operation` attempted after the connection to `server` closed for good. */
export function connectionClosed(operation: string, server: string): ConnectError {
  return new ConnectError(`${operation} failed: the connection to NATS at ${server} is closed`, Code.Unavailable);
}

/** The error of a failed publish of `payloadBytes` bytes: INVALID_ARGUMENT when over the server's max_payload, else UNAVAILABLE. */
export function publishFailed(
  topic: string,
  payloadBytes: number,
  server: string,
  maxPayload: number | undefined,
  cause: unknown,
): ConnectError {
  if (cause instanceof InvalidArgumentError && cause.message.includes("max_payload")) {
    return new ConnectError(
      `publish to ${JSON.stringify(topic)}: ${payloadBytes} bytes plus headers exceed ` +
        `the max_payload of NATS at ${server} (${maxPayload ?? "unknown"} bytes)`,
      Code.InvalidArgument,
    );
  }
  return unavailable(`publish to ${JSON.stringify(topic)}`, server, cause);
}
