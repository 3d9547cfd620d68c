// Unit tests of assessNatsHealth.
import { describe, expect, it } from "vitest";
import { assessNatsHealth, type NatsHealthInput } from "./nats-health.js";

const base: NatsHealthInput = { server: "127.0.0.1:4333", state: "connected", slowRttMs: 100, unhealthyAfterMs: 3000 };

describe("assessNatsHealth", () => {
  it("is HEALTHY when connected and the round trip is under slowRttMs", () => {
    expect(assessNatsHealth({ ...base, rttMs: 0.4567 })).toEqual({
      status: "HEALTHY",
      details: { server: "127.0.0.1:4333", state: "connected", rttMs: 0.46 },
    });
  });

  it("is DEGRADED when the round trip reaches slowRttMs or fails", () => {
    const slow = assessNatsHealth({ ...base, rttMs: 100 });
    expect(slow.status).toBe("DEGRADED");
    expect(slow.message).toContain("round trip 100 ms (slowRttMs 100)");
    const failed = assessNatsHealth({ ...base, rttError: "no answer within 2000 ms" });
    expect(failed).toMatchObject({ status: "DEGRADED", details: { rttMs: -1 } });
    expect(failed.message).toContain("no answer within 2000 ms");
  });

  it("is DEGRADED while reconnecting up to unhealthyAfterMs, UNHEALTHY after", () => {
    for (const downMs of [0, 3000]) {
      expect(assessNatsHealth({ ...base, state: "reconnecting", downMs }).status).toBe("DEGRADED");
    }
    const down = assessNatsHealth({ ...base, state: "reconnecting", downMs: 3001 });
    expect(down.status).toBe("UNHEALTHY");
    expect(down.message).toBe("disconnected from NATS at 127.0.0.1:4333 for 3001 ms, reconnecting");
  });

  it("is UNHEALTHY at once while not reachable since start, naming the server and that it is reconnecting", () => {
    const connecting = assessNatsHealth({ ...base, state: "connecting", downMs: 10, lastError: "connection refused" });
    expect(connecting).toMatchObject({ status: "UNHEALTHY", details: { state: "connecting", rttMs: -1 } });
    expect(connecting.message).toBe(
      "NATS at 127.0.0.1:4333 has not been reachable since start 10 ms ago (connection refused); reconnecting in the background",
    );
  });

  it("is UNHEALTHY when closed or not started", () => {
    expect(assessNatsHealth({ ...base, state: "closed" }).status).toBe("UNHEALTHY");
    expect(assessNatsHealth({ ...base, state: "not started" }).message).toBe("NATS connection to 127.0.0.1:4333 is not started");
  });
});
