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
