// toPrismError: converts whatever a Connect call threw into the matching PrismError subclass.
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AlreadyExistsError,
  DeadlineExceededError,
  IdentityNotFoundError,
  InternalError,
  InvalidArgumentError,
  KeyNotFoundError,
  NamespaceNotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from "./error-classes.js";
import { PrismError, type PrismErrorOptions } from "./prism-error.js";

/** Response metadata entry the proxy sets to say why a call failed. */
export const errorReasonHeader = "prism-error-reason";

/** What the failed call was about; lets NOT_FOUND name the key, identity or namespace. */
export type ErrorContext = {
  /** The key of a single-key read: a NOT_FOUND then becomes KeyNotFoundError. */
  key?: string;
  /** The registry identity of a single-identity call: a NOT_FOUND then becomes IdentityNotFoundError. */
  identity?: string;
  /** The namespace the call was sent to. */
  namespace?: string;
};

/**
 * Converts an error thrown by a Connect call into a PrismError (a PrismError is returned as is).
 * NOT_FOUND is NamespaceNotFoundError when the proxy set `prism-error-reason: namespace-not-found`,
 * KeyNotFoundError when `context.key` is given, IdentityNotFoundError when `context.identity` is given, and a
 * plain PrismError otherwise. ALREADY_EXISTS is AlreadyExistsError.
 */
export function toPrismError(error: unknown, context: ErrorContext = {}): PrismError {
  if (error instanceof PrismError) return error;
  const connectError = ConnectError.from(error);
  const options: PrismErrorOptions = {
    rawMessage: connectError.rawMessage,
    cause: connectError,
    metadata: connectError.metadata,
  };
  const description = connectError.rawMessage || "request failed";
  if (connectError.code === Code.Unknown && isFetchFailure(connectError.cause)) {
    return new UnavailableError(fetchFailureMessage(connectError.cause), options);
  }
  switch (connectError.code) {
    case Code.NotFound:
      if (connectError.metadata.get(errorReasonHeader) === "namespace-not-found") {
        return new NamespaceNotFoundError(context.namespace, options);
      }
      if (context.key !== undefined) return new KeyNotFoundError(context.key, options);
      if (context.identity !== undefined) return new IdentityNotFoundError(context.identity, options);
      return new PrismError(connectError.code, description, options);
    case Code.AlreadyExists:
      return new AlreadyExistsError(description, options);
    case Code.InvalidArgument:
      return new InvalidArgumentError(description, options);
    case Code.Unavailable:
      return new UnavailableError(description, options);
    case Code.ResourceExhausted:
      return new ResourceExhaustedError(description, options);
    case Code.DeadlineExceeded:
      return new DeadlineExceededError(description, options);
    case Code.Unauthenticated:
      return new UnauthenticatedError(description, options);
    case Code.PermissionDenied:
      return new PermissionDeniedError(description, options);
    case Code.Internal:
      return new InternalError(description, options);
    default:
      return new PrismError(connectError.code, description, options);
  }
}

/** Whether `cause` is what fetch throws when it gets no response at all (Chrome, Firefox, Safari, Node wording). */
function isFetchFailure(cause: unknown): cause is TypeError {
  return cause instanceof TypeError && /failed to fetch|fetch failed|networkerror|load failed/i.test(cause.message);
}

/**
 * Why a fetch got no response, with what to check. In a browser a CORS refusal looks exactly like a
 * proxy that is down (the page learns nothing more), so both are named.
 */
function fetchFailureMessage(cause: TypeError): string {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  const page = origin && origin !== "null" ? `this page's origin (${origin})` : "this page's origin";
  return (
    `cannot reach the Prism proxy (${cause.message}): it is not running or not reachable at this URL, ` +
    `or, in a browser, it refused ${page}: list that origin in cors.allowOrigins of the proxy's prism.yaml`
  );
}
