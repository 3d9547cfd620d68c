// Unit tests of the pattern's combined health: the command connection's report, the subscriber
// connection (not counted before it is opened, DEGRADED while it is open but not ready) and the PubSub counters.
import type { HealthReport } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { redisPatternHealth } from "./redis-pattern-health.js";

const stats = { subscriptions: 2, published: 5, dropped: 1, malformed: 0 };
const healthy: HealthReport = { status: "HEALTHY", details: { address: "h:1", state: "ready", pingMs: 1 } };

describe("redisPatternHealth", () => {
  it("is the command connection's report with the counters when both connections are ready", () => {
    const report = redisPatternHealth(healthy, { address: "h:1", state: "ready", disconnectedForMs: undefined }, stats);
    expect(report).toEqual({
      status: "HEALTHY",
      details: { address: "h:1", state: "ready", pingMs: 1, subscriberState: "ready", ...stats },
    });
  });

  it("is the command connection's report while the subscriber connection is not open", () => {
    expect(redisPatternHealth(healthy, undefined, stats)).toEqual({
      status: "HEALTHY",
      details: { address: "h:1", state: "ready", pingMs: 1, subscriberState: "not open", ...stats },
    });
    const down: HealthReport = { status: "DEGRADED", message: "reconnecting", details: { state: "reconnecting", disconnectedForMs: 9 } };
    expect(redisPatternHealth(down, undefined, stats)).toEqual({
      status: "DEGRADED",
      message: "reconnecting",
      details: { state: "reconnecting", disconnectedForMs: 9, subscriberState: "not open", ...stats },
    });
  });

  it("is DEGRADED while the subscriber connection reconnects", () => {
    const report = redisPatternHealth(healthy, { address: "h:1", state: "reconnecting", disconnectedForMs: 40 }, stats);
    expect(report.status).toBe("DEGRADED");
    expect(report.message).toMatch(/subscriber connection to redis at h:1 is reconnecting \(down for 40 ms\)/);
    expect(report.details).toMatchObject({ subscriberState: "reconnecting", subscriberDisconnectedForMs: 40, dropped: 1 });
  });

  it("keeps a worse command connection report", () => {
    const down: HealthReport = { status: "UNHEALTHY", message: "gone", details: { state: "end" } };
    const report = redisPatternHealth(down, { address: "h:1", state: "end", disconnectedForMs: 5 }, stats);
    expect(report).toMatchObject({ status: "UNHEALTHY", message: "gone", details: { state: "end", subscriberState: "end" } });
  });
});
