// Tests of exitCodeOf: every documented gRPC code maps to its exit code.
import {
  AlreadyExistsError,
  Code,
  DeadlineExceededError,
  InvalidArgumentError,
  KeyNotFoundError,
  NamespaceNotFoundError,
  PermissionDeniedError,
  PrismError,
  UnauthenticatedError,
  UnavailableError,
} from "@prism/client";
import { describe, expect, it } from "vitest";
import { UsageError } from "../usage-error.js";
import { exitCodeOf } from "./exit-codes.js";

describe("exitCodeOf", () => {
  it.each([
    [new UsageError("bad"), 2],
    [new InvalidArgumentError("empty key"), 2],
    [new KeyNotFoundError("k"), 3],
    [new NamespaceNotFoundError("n"), 3],
    [new UnavailableError("down"), 4],
    [new DeadlineExceededError("slow"), 4],
    [new UnauthenticatedError("who"), 5],
    [new PermissionDeniedError("no"), 5],
    [new AlreadyExistsError("dup"), 1],
    [new PrismError(Code.Internal, "bug"), 1],
    [new Error("other"), 1],
  ])("%s → %i", (error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });
});
