// The PrismError subclasses, one per gRPC status a Prism caller typically handles differently.
import { Code } from "@connectrpc/connect";
import { PrismError, type PrismErrorOptions } from "./prism-error.js";

/** A Get (or getString) for a key that is missing or expired. */
export class KeyNotFoundError extends PrismError {
  override name = "KeyNotFoundError";
  /** The key that was not found. */
  readonly key: string;

  /** Creates the error for `key`. */
  constructor(key: string, options: PrismErrorOptions = {}) {
    super(Code.NotFound, `key ${JSON.stringify(key)} not found`, options);
    this.key = key;
  }
}

/** A registry identity that is not registered, or whose registration has expired (NOT_FOUND). */
export class IdentityNotFoundError extends PrismError {
  override name = "IdentityNotFoundError";
  /** The identity that was not found. */
  readonly identity: string;

  /** Creates the error for `identity` (the message is the server's when given). */
  constructor(identity: string, options: PrismErrorOptions = {}) {
    super(Code.NotFound, options.rawMessage || `identity ${JSON.stringify(identity)} is not registered`, options);
    this.identity = identity;
  }
}

/** ALREADY_EXISTS: e.g. registering an identity that is registered and live, without `replace`. */
export class AlreadyExistsError extends PrismError {
  override name = "AlreadyExistsError";

  /** Creates the error with a description. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.AlreadyExists, description, options);
  }
}

/** The proxy has no namespace of that name configured. */
export class NamespaceNotFoundError extends PrismError {
  override name = "NamespaceNotFoundError";
  /** The namespace that was not found (undefined when the caller did not say which). */
  readonly namespace: string | undefined;

  /** Creates the error for `namespace`. */
  constructor(namespace: string | undefined, options: PrismErrorOptions = {}) {
    super(
      Code.NotFound,
      options.rawMessage || (namespace === undefined ? "namespace not found" : `namespace ${JSON.stringify(namespace)} not found`),
      options,
    );
    this.namespace = namespace;
  }
}

/** INVALID_ARGUMENT: bad input such as an empty key, an oversized value or a malformed cursor. */
export class InvalidArgumentError extends PrismError {
  override name = "InvalidArgumentError";

  /** Creates the error with a description of what was wrong. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.InvalidArgument, description, options);
  }
}

/** UNAVAILABLE: the proxy, pattern or backend is down; safe to retry. */
export class UnavailableError extends PrismError {
  override name = "UnavailableError";

  /** Creates the error with a description. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.Unavailable, description, options);
  }
}

/** RESOURCE_EXHAUSTED: a capacity or rate limit was hit. */
export class ResourceExhaustedError extends PrismError {
  override name = "ResourceExhaustedError";

  /** Creates the error with a description. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.ResourceExhausted, description, options);
  }
}

/** DEADLINE_EXCEEDED: the call did not finish within its timeout. */
export class DeadlineExceededError extends PrismError {
  override name = "DeadlineExceededError";

  /** Creates the error with a description. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.DeadlineExceeded, description, options);
  }
}

/** UNAUTHENTICATED: missing or invalid credentials. */
export class UnauthenticatedError extends PrismError {
  override name = "UnauthenticatedError";

  /** Creates the error with a description. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.Unauthenticated, description, options);
  }
}

/** PERMISSION_DENIED: the caller may not perform this call on this namespace. */
export class PermissionDeniedError extends PrismError {
  override name = "PermissionDeniedError";

  /** Creates the error with a description. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.PermissionDenied, description, options);
  }
}

/** INTERNAL: a bug or broken invariant in the proxy, pattern or backend. */
export class InternalError extends PrismError {
  override name = "InternalError";

  /** Creates the error with a description. */
  constructor(description: string, options: PrismErrorOptions = {}) {
    super(Code.Internal, description, options);
  }
}
