// Unit tests of assessRedisHealth.
import { describe, expect, it } from "vitest";
import { assessRedisHealth, type RedisHealthInput } from "./redis-health.js";

const base: RedisHealthInput = { address: "127.0.0.1:6390", state: "ready", slowPingMs: 100, unhealthyAfterMs: 3000 };

describe("assessRedisHealth", () => {
  it("is HEALTHY when PING answers within slowPingMs", () => {
    expect(assessRedisHealth({ ...base, pingMs: 3 })).toEqual({
      status: "HEALTHY",
      details: { address: "127.0.0.1:6390", state: "ready", pingMs: 3 },
    });
    expect(assessRedisHealth({ ...base, pingMs: 100 }).status).toBe("HEALTHY");
  });

  it("is DEGRADED when PING is slower than slowPingMs", () => {
    const report = assessRedisHealth({ ...base, pingMs: 250 });
    expect(report.status).toBe("DEGRADED");
    expect(report.message).toContain("250 ms");
    expect(report.message).toContain("127.0.0.1:6390");
  });

  it("is UNHEALTHY when PING fails on a live connection", () => {
    const report = assessRedisHealth({ ...base, pingError: "Command timed out" });
    expect(report.status).toBe("UNHEALTHY");
    expect(report.details).toMatchObject({ pingError: "Command timed out" });
  });

  it("is DEGRADED while reconnecting, up to unhealthyAfterMs", () => {
    for (const disconnectedForMs of [0, 1500, 3000]) {
      const report = assessRedisHealth({ ...base, state: "reconnecting", disconnectedForMs, lastError: "connect ECONNREFUSED" });
      expect(report.status).toBe("DEGRADED");
      expect(report.details).toEqual({
        address: "127.0.0.1:6390",
        state: "reconnecting",
        disconnectedForMs,
        lastError: "connect ECONNREFUSED",
      });
    }
  });

  it("is UNHEALTHY once unreachable for longer than unhealthyAfterMs", () => {
    const report = assessRedisHealth({ ...base, state: "reconnecting", disconnectedForMs: 3001 });
    expect(report.status).toBe("UNHEALTHY");
    expect(report.message).toContain("unreachable for 3001 ms");
  });

  it("is UNHEALTHY when the connection is closed for good", () => {
    expect(assessRedisHealth({ ...base, state: "end", disconnectedForMs: 0 }).status).toBe("UNHEALTHY");
  });
});
