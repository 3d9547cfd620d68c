// Unit tests of grpc-timeout header parsing and formatting.
import { describe, expect, it } from "vitest";
import { formatGrpcTimeout, malformedTimeoutMessage, parseGrpcTimeout } from "./grpc-timeout.js";

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
    expect(parseGrpcTimeout("99999999m")).toBe(86_400_000);
    expect(parseGrpcTimeout("99999999m", Number.MAX_SAFE_INTEGER)).toBe(99_999_999);
    expect(parseGrpcTimeout("100000000m")).toBe("malformed");
  });

  it("clamps a long deadline to the maximum instead of letting a timer overflow (1000H is ~41 days)", () => {
    expect(parseGrpcTimeout("1000H")).toBe(86_400_000);
    expect(parseGrpcTimeout("99999999H", 60_000)).toBe(60_000);
    expect(parseGrpcTimeout("30S", 60_000)).toBe(30_000);
  });

  it("tells an absent header from a malformed one", () => {
    expect(parseGrpcTimeout(undefined)).toBeUndefined();
    expect(parseGrpcTimeout(["5S"])).toBe("malformed");
    for (const bad of ["", "5", "S", "5s", "-5S", "1.5S", " 5S", "5S ", "5 S", "5X"]) {
      expect(parseGrpcTimeout(bad), bad).toBe("malformed");
    }
  });

  it("names a malformed value in at most 16 characters", () => {
    expect(malformedTimeoutMessage("soon")).toBe(
      'malformed grpc-timeout header "soon": expected 1-8 digits and a unit (H, M, S, m, u or n), e.g. "250m"',
    );
    expect(malformedTimeoutMessage("x".repeat(60_000))).toContain(`"${"x".repeat(16)}"`);
  });
});

describe("formatGrpcTimeout", () => {
  it("formats whole milliseconds, rounding up and at least 1", () => {
    expect(formatGrpcTimeout(50)).toBe("50m");
    expect(formatGrpcTimeout(1.2)).toBe("2m");
    expect(formatGrpcTimeout(0)).toBe("1m");
    expect(formatGrpcTimeout(-5)).toBe("1m");
    expect(formatGrpcTimeout(99_999_999)).toBe("99999999m");
    expect(formatGrpcTimeout(2_000_000_000)).toBe("2000000S");
    expect(parseGrpcTimeout(formatGrpcTimeout(2_000_000_000), Number.MAX_SAFE_INTEGER)).toBe(2_000_000_000);
  });

  it("round trips through parseGrpcTimeout", () => {
    for (const ms of [1, 50, 999, 30_000]) expect(parseGrpcTimeout(formatGrpcTimeout(ms))).toBe(ms);
  });
});
