// Test helper: the gRPC code a promise rejects with.
import { type Code, ConnectError } from "@prism/pattern-sdk";

/** The ConnectError code `promise` rejects with, or undefined when it resolves; other errors are rethrown. */
export async function codeOf(promise: Promise<unknown>): Promise<Code | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof ConnectError) return error.code;
    throw error;
  }
}
