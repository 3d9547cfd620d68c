// Unit tests of the error → gRPC status mapping and grpc-message percent-encoding.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { encodeGrpcMessage, statusFromError, statusTrailers } from "./grpc-status.js";

describe("encodeGrpcMessage", () => {
  it("leaves printable ASCII without '%' untouched", () => {
    const text = 'key "a b" not found: (x) [y] {z} ~!@#$^&*';
    expect(encodeGrpcMessage(text)).toBe(text);
    expect(encodeGrpcMessage("")).toBe("");
  });

  it("percent-encodes non-ASCII so it decodes back", () => {
    const text = "clé «日本» 🚀";
    const encoded = encodeGrpcMessage(text);
    expect(encoded).toMatch(/^[\x20-\x7e]*$/);
    expect(encoded).not.toContain("é");
    expect(decodeURIComponent(encoded)).toBe(text);
  });

  it("percent-encodes '%' itself", () => {
    const encoded = encodeGrpcMessage("100% full");
    expect(encoded).not.toBe("100% full");
    expect(encoded).toContain("%25");
    expect(decodeURIComponent(encoded)).toBe("100% full");
  });

  it("percent-encodes control characters such as newlines", () => {
    const encoded = encodeGrpcMessage("line1\nline2");
    expect(encoded).not.toContain("\n");
    expect(decodeURIComponent(encoded)).toBe("line1\nline2");
  });
});

describe("statusFromError", () => {
  it("keeps a ConnectError's code and raw message (no code prefix)", () => {
    const status = statusFromError(new ConnectError('key "k" not found', Code.NotFound));
    expect(status).toEqual({ code: Code.NotFound, message: 'key "k" not found' });
  });

  it("carries a ConnectError's metadata", () => {
    const error = new ConnectError("no such namespace", Code.NotFound, { "prism-error-reason": "namespace-not-found" });
    expect(statusFromError(error)).toEqual({
      code: Code.NotFound,
      message: "no such namespace",
      metadata: { "prism-error-reason": "namespace-not-found" },
    });
  });

  it("maps any other Error to INTERNAL with its message", () => {
    const status = statusFromError(new TypeError("boom"));
    expect(status.code).toBe(Code.Internal);
    expect(status.message).toContain("boom");
    expect(status.metadata).toBeUndefined();
  });

  it("maps thrown non-errors to INTERNAL", () => {
    const status = statusFromError("just a string");
    expect(status.code).toBe(Code.Internal);
    expect(status.message).toContain("just a string");
  });
});

describe("statusTrailers", () => {
  it("writes code, encoded message and metadata", () => {
    expect(statusTrailers({ code: Code.InvalidArgument, message: "bad ü", metadata: { "prism-error-reason": "x" } })).toEqual({
      "grpc-status": String(Code.InvalidArgument),
      "grpc-message": encodeURIComponent("bad ü"),
      "prism-error-reason": "x",
    });
  });
});
