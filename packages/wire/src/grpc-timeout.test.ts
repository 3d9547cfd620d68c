// Unit tests of grpc-timeout header parsing and formatting.
import { describe, expect, it } from "vitest";
import { formatGrpcTimeout, parseGrpcTimeout } from "./grpc-timeout.js";

describe("parseGrpcTimeout", () => {
  it("converts every unit to milliseconds", () => {
    expect(parseGrpcTimeout("2H")).toBe(7_200_000);
    expect(parseGrpcTimeout("3M")).toBe(180_000);
    expect(parseGrpcTimeout("5S")).toBe(5000);
    expect(parseGrpcTimeout("250m")).toBe(250);
    expect(parseGrpcTimeout("2500u")).toBe(3);
    expect(parseGrpcTimeout("4000000n")).toBe(4);
  });

  it("rounds sub-millisecond timeouts up to at least 1 ms", () => {
    expect(parseGrpcTimeout("1u")).toBe(1);
    expect(parseGrpcTimeout("1n")).toBe(1);
    expect(parseGrpcTimeout("0m")).toBe(1);
  });

  it("accepts at most 8 digits", () => {
    expect(parseGrpcTimeout("99999999m")).toBe(99_999_999);
    expect(parseGrpcTimeout("100000000m")).toBeUndefined();
  });

  it("returns undefined for absent or malformed values", () => {
    expect(parseGrpcTimeout(undefined)).toBeUndefined();
    expect(parseGrpcTimeout(["5S"])).toBeUndefined();
    for (const bad of ["", "5", "S", "5s", "-5S", "1.5S", " 5S", "5S ", "5 S", "5X"]) {
      expect(parseGrpcTimeout(bad), bad).toBeUndefined();
    }
  });
});

describe("formatGrpcTimeout", () => {
  it("formats whole milliseconds, rounding up and at least 1", () => {
    expect(formatGrpcTimeout(50)).toBe("50m");
    expect(formatGrpcTimeout(1.2)).toBe("2m");
    expect(formatGrpcTimeout(0)).toBe("1m");
    expect(formatGrpcTimeout(-5)).toBe("1m");
  });

  it("round trips through parseGrpcTimeout", () => {
    for (const ms of [1, 50, 999, 30_000]) expect(parseGrpcTimeout(formatGrpcTimeout(ms))).toBe(ms);
  });
});
