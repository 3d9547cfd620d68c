// Tests for toPrismError: every gRPC code maps to the right class, and NOT_FOUND is told apart.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { codeName } from "./code-name.js";
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
import { PrismError } from "./prism-error.js";
import { toPrismError } from "./to-prism-error.js";

const expected: [Code, string, abstract new (...args: never[]) => PrismError][] = [
  [Code.Canceled, "CANCELLED", PrismError],
  [Code.Unknown, "UNKNOWN", PrismError],
  [Code.InvalidArgument, "INVALID_ARGUMENT", InvalidArgumentError],
  [Code.DeadlineExceeded, "DEADLINE_EXCEEDED", DeadlineExceededError],
  [Code.NotFound, "NOT_FOUND", PrismError],
  [Code.AlreadyExists, "ALREADY_EXISTS", AlreadyExistsError],
  [Code.PermissionDenied, "PERMISSION_DENIED", PermissionDeniedError],
  [Code.ResourceExhausted, "RESOURCE_EXHAUSTED", ResourceExhaustedError],
  [Code.FailedPrecondition, "FAILED_PRECONDITION", PrismError],
  [Code.Aborted, "ABORTED", PrismError],
  [Code.OutOfRange, "OUT_OF_RANGE", PrismError],
  [Code.Unimplemented, "UNIMPLEMENTED", PrismError],
  [Code.Internal, "INTERNAL", InternalError],
  [Code.Unavailable, "UNAVAILABLE", UnavailableError],
  [Code.DataLoss, "DATA_LOSS", PrismError],
  [Code.Unauthenticated, "UNAUTHENTICATED", UnauthenticatedError],
];

describe("toPrismError", () => {
  it.each(["Failed to fetch", "NetworkError when attempting to fetch resource.", "Load failed", "fetch failed"])(
    "maps a fetch that got no response (%s) to UnavailableError naming CORS as a possible cause",
    (wording) => {
      const error = toPrismError(ConnectError.from(new TypeError(wording)));
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error.message).toContain(`cannot reach the Prism proxy (${wording})`);
      expect(error.message).toContain("cors.allowOrigins");
    },
  );

  it("leaves other UNKNOWN errors alone", () => {
    expect(toPrismError(ConnectError.from(new TypeError("x is not a function")))).not.toBeInstanceOf(UnavailableError);
  });

  it.each(expected)("maps code %i to %s", (code, name, errorClass) => {
    const cause = new ConnectError("something went wrong", code);
    const error = toPrismError(cause);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(PrismError);
    expect(error).toBeInstanceOf(Error);
    expect(error.constructor).toBe(errorClass);
    expect(error.code).toBe(code);
    expect(error.codeName).toBe(name);
    expect(codeName(code)).toBe(name);
    expect(error.rawMessage).toBe("something went wrong");
    expect(error.message).toBe(`something went wrong (${name})`);
    expect(error.cause).toBe(cause);
  });

  it("makes NOT_FOUND of a key read a KeyNotFoundError with a readable message", () => {
    const error = toPrismError(new ConnectError('key "user:1" not found', Code.NotFound), {
      key: "user:1",
      namespace: "default",
    });
    expect(error).toBeInstanceOf(KeyNotFoundError);
    expect((error as KeyNotFoundError).key).toBe("user:1");
    expect(error.code).toBe(5);
    expect(error.name).toBe("KeyNotFoundError");
    expect(String(error)).toBe('KeyNotFoundError: key "user:1" not found (NOT_FOUND)');
    expect(error.stack).toContain('KeyNotFoundError: key "user:1" not found (NOT_FOUND)');
  });

  it("makes NOT_FOUND of a single-identity registry call an IdentityNotFoundError with the server's message", () => {
    const error = toPrismError(new ConnectError('identity "dev-1" is not registered (it expired or was unregistered)', Code.NotFound), {
      identity: "dev-1",
    });
    expect(error).toBeInstanceOf(IdentityNotFoundError);
    expect((error as IdentityNotFoundError).identity).toBe("dev-1");
    expect(String(error)).toBe('IdentityNotFoundError: identity "dev-1" is not registered (it expired or was unregistered) (NOT_FOUND)');
    const namespace = toPrismError(new ConnectError("x", Code.NotFound, { "prism-error-reason": "namespace-not-found" }), {
      identity: "dev-1",
    });
    expect(namespace).toBeInstanceOf(NamespaceNotFoundError);
  });

  it("makes NOT_FOUND with prism-error-reason: namespace-not-found a NamespaceNotFoundError, even for a key read", () => {
    const cause = new ConnectError('namespace "nope" is not configured', Code.NotFound, {
      "prism-error-reason": "namespace-not-found",
    });
    const error = toPrismError(cause, { key: "user:1", namespace: "nope" });
    expect(error).toBeInstanceOf(NamespaceNotFoundError);
    expect((error as NamespaceNotFoundError).namespace).toBe("nope");
    expect(error.code).toBe(Code.NotFound);
    expect(error.message).toBe('namespace "nope" is not configured (NOT_FOUND)');
    expect(error.rawMessage).toBe('namespace "nope" is not configured');
    expect(error.metadata.get("prism-error-reason")).toBe("namespace-not-found");
  });

  it("uses the server message for a NamespaceNotFoundError without context", () => {
    const cause = new ConnectError("no such namespace", Code.NotFound, { "prism-error-reason": "namespace-not-found" });
    const error = toPrismError(cause);
    expect(error).toBeInstanceOf(NamespaceNotFoundError);
    expect((error as NamespaceNotFoundError).namespace).toBeUndefined();
    expect(error.message).toBe("no such namespace (NOT_FOUND)");
  });

  it("converts errors that are not ConnectErrors", () => {
    const plain = toPrismError(new Error("boom"));
    expect(plain.constructor).toBe(PrismError);
    expect(plain.codeName).toBe("UNKNOWN");
    expect(plain.message).toBe("boom (UNKNOWN)");

    const aborted = toPrismError(new DOMException("The operation was aborted.", "AbortError"));
    expect(aborted.code).toBe(Code.Canceled);
    expect(aborted.codeName).toBe("CANCELLED");

    expect(toPrismError("weird").message).toContain("(UNKNOWN)");
  });

  it("returns a PrismError unchanged", () => {
    const error = new InvalidArgumentError("bad");
    expect(toPrismError(error)).toBe(error);
  });

  it("builds errors raised locally with empty metadata", () => {
    const error = new InvalidArgumentError("ttlMs must be >= 0");
    expect(error.message).toBe("ttlMs must be >= 0 (INVALID_ARGUMENT)");
    expect(error.rawMessage).toBe("ttlMs must be >= 0");
    expect([...error.metadata.keys()]).toEqual([]);
    expect(error.cause).toBeUndefined();
  });
});
