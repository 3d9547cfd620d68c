// Tests for merging client defaults and per-call options into Connect call options.
import { describe, expect, it } from "vitest";
import { toConnectCallOptions } from "./call-options.js";

describe("toConnectCallOptions", () => {
  it("sends the namespace header, client headers and call headers (call wins, namespace always wins)", () => {
    const options = toConnectCallOptions(
      { namespace: "orders", headers: { Authorization: "Bearer a", "x-a": "1" } },
      { headers: { authorization: "Bearer b", "Prism-Namespace": "sneaky" } },
    );
    expect(options.headers).toEqual({ authorization: "Bearer b", "x-a": "1", "prism-namespace": "orders" });
  });

  it("uses the call timeout, else the default; 0 means no deadline", () => {
    expect(toConnectCallOptions({ namespace: "n", timeoutMs: 10_000 }, undefined).timeoutMs).toBe(10_000);
    expect(toConnectCallOptions({ namespace: "n", timeoutMs: 10_000 }, { timeoutMs: 50 }).timeoutMs).toBe(50);
    expect(toConnectCallOptions({ namespace: "n", timeoutMs: 10_000 }, { timeoutMs: 0 }).timeoutMs).toBeUndefined();
    expect(toConnectCallOptions({ namespace: "n" }, undefined).timeoutMs).toBeUndefined();
  });

  it("clamps deadlines that setTimeout cannot represent", () => {
    expect(toConnectCallOptions({ namespace: "n" }, { timeoutMs: 1e12 }).timeoutMs).toBe(2_147_483_647);
  });

  it("passes the abort signal", () => {
    const signal = new AbortController().signal;
    expect(toConnectCallOptions({ namespace: "n" }, { signal }).signal).toBe(signal);
  });
});
