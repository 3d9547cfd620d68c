// Reading a call's status from its response headers or trailers: OK, codes, decoded messages and metadata.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { statusFromResponse } from "./status-from-response.js";

describe("statusFromResponse", () => {
  it("is undefined for OK and UNAVAILABLE when the call ended without any status", () => {
    expect(statusFromResponse({ ":status": "200" }, { "grpc-status": "0" })).toBeUndefined();
    expect(statusFromResponse({ ":status": "200" }, undefined)?.code).toBe(Code.Unavailable);
  });

  it("reads a trailers-only status from the headers, decoding the message", () => {
    const error = statusFromResponse({ ":status": "200", "grpc-status": "5", "grpc-message": "cl%C3%A9%20absente" }, undefined);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error?.code).toBe(Code.NotFound);
    expect(error?.rawMessage).toBe("clé absente");
  });

  it("keeps application metadata of the status and drops protocol entries", () => {
    const error = statusFromResponse(
      { ":status": "200", "content-type": "application/grpc" },
      { "grpc-status": "3", "grpc-message": "bad", "prism-error-reason": "namespace-not-found", "x-multi": ["a", "b"] },
    );
    expect(error?.metadata.get("prism-error-reason")).toBe("namespace-not-found");
    expect(error?.metadata.get("x-multi")).toBe("a, b");
    expect(error?.metadata.has("grpc-status")).toBe(false);
    expect(error?.metadata.has("content-type")).toBe(false);
  });
});
