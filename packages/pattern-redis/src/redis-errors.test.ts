// Unit tests of the ioredis → gRPC code mapping.
import { Code, ConnectError } from "@prism/pattern-sdk";
import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { toConnectError } from "./redis-errors.js";

const address = "127.0.0.1:6390";

function replyError(message: string): Error {
  const Reply = ReplyError as new (message: string) => Error;
  return new Reply(message);
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} ${address}`), { code });
}

function maxRetries(): Error {
  const error = new Error("Reached the max retries per request limit (which is 1).");
  Object.defineProperty(error, "name", { value: "MaxRetriesPerRequestError" });
  return error;
}

describe("toConnectError", () => {
  it.each([
    ["a closed stream", new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ["a closed connection", new Error("Connection is closed.")],
    ["a command timeout", new Error("Command timed out")],
    ["refused connections", networkError("ECONNREFUSED")],
    ["reset connections", networkError("ECONNRESET")],
    ["exhausted retries", maxRetries()],
    ["a server still loading", replyError("LOADING Redis is loading the dataset in memory")],
  ])("maps %s to UNAVAILABLE naming the address", (_what, error) => {
    const mapped = toConnectError(error, address);
    expect(mapped.code).toBe(Code.Unavailable);
    expect(mapped.rawMessage).toContain(address);
  });

  it("maps OOM replies to RESOURCE_EXHAUSTED", () => {
    const mapped = toConnectError(replyError("OOM command not allowed when used memory > 'maxmemory'."), address);
    expect(mapped.code).toBe(Code.ResourceExhausted);
    expect(mapped.rawMessage).toContain(address);
  });

  it("maps an aborted MULTI by the error of the command that caused it", () => {
    const abort = Object.assign(replyError("EXECABORT Transaction discarded because of previous errors."), {
      previousErrors: [replyError("OOM command not allowed when used memory > 'maxmemory'.")],
    });
    expect(toConnectError(abort, address).code).toBe(Code.ResourceExhausted);
  });

  it("maps a MULTI cut by a closed connection, whose one error lists itself, to UNAVAILABLE (no endless recursion)", () => {
    const closed = new Error("Connection is closed.") as Error & { previousErrors?: unknown[] };
    closed.previousErrors = [closed, closed];
    expect(toConnectError(closed, address).code).toBe(Code.Unavailable);
    const a = new Error("Connection is closed.") as Error & { previousErrors?: unknown[] };
    const b = new Error("Connection is closed.") as Error & { previousErrors?: unknown[] };
    a.previousErrors = [b];
    b.previousErrors = [a];
    expect(toConnectError(a, address).code).toBe(Code.Unavailable);
  });

  it("maps other replies and unknown errors to INTERNAL", () => {
    expect(toConnectError(replyError("WRONGTYPE Operation against a key holding the wrong kind of value"), address).code).toBe(
      Code.Internal,
    );
    expect(toConnectError(new Error("something odd"), address).code).toBe(Code.Internal);
    expect(toConnectError("a string", address).code).toBe(Code.Internal);
  });

  it("passes ConnectErrors through", () => {
    const original = new ConnectError("bad cursor", Code.InvalidArgument);
    expect(toConnectError(original, address)).toBe(original);
  });
});
