// Exit codes of prismctl and the mapping from a failure (a PrismError's gRPC code, a usage error) to one of them.
import { Code, PrismError } from "@prism/client";
import { UsageError } from "../usage-error.js";

/** Every exit code prismctl uses. */
export const exitCodes = {
  /** The command did what was asked. */
  ok: 0,
  /** Any other failure (ALREADY_EXISTS, INTERNAL, RESOURCE_EXHAUSTED, a local I/O error, …). */
  failure: 1,
  /** Bad command line (unknown command or option, missing or malformed argument) or INVALID_ARGUMENT. */
  usage: 2,
  /** NOT_FOUND: a missing key, identity or namespace. */
  notFound: 3,
  /** The proxy is unreachable, UNAVAILABLE or DEADLINE_EXCEEDED. */
  unavailable: 4,
  /** UNAUTHENTICATED or PERMISSION_DENIED. */
  permission: 5,
} as const;

/** One of the exit codes of `exitCodes`. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The exit code for a failure: by gRPC code for a PrismError, 2 for a UsageError, 1 otherwise. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return exitCodes.usage;
  if (!(error instanceof PrismError)) return exitCodes.failure;
  switch (error.code) {
    case Code.InvalidArgument:
      return exitCodes.usage;
    case Code.NotFound:
      return exitCodes.notFound;
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return exitCodes.unavailable;
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return exitCodes.permission;
    default:
      return exitCodes.failure;
  }
}

/** The exit-code table shown at the end of `prismctl --help` (and in the README). */
export const exitCodesHelp = `Exit codes:
  0  ok
  1  any other error (ALREADY_EXISTS, INTERNAL, a local I/O error, …)
  2  usage error: unknown command or option, missing or malformed argument, or INVALID_ARGUMENT
  3  not found: NOT_FOUND (a missing key or identity, an unknown namespace)
  4  unavailable: the proxy is unreachable, UNAVAILABLE or DEADLINE_EXCEEDED
  5  permission: UNAUTHENTICATED or PERMISSION_DENIED`;
