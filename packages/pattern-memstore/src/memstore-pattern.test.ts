// Unit tests of the memstore pattern definition: config defaults and validation, health states.
import { ConfigError } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { describe, expect, it, vi } from "vitest";
import { memstorePattern } from "./memstore-pattern.js";

const context = { namespace: "test", logger: createLogger({ write: () => {} }) };

async function instance(input: unknown) {
  return memstorePattern.create(parseConfig(memstorePattern.config, input), context);
}

describe("memstorePattern", () => {
  it("has documented defaults and rejects a bad eviction value", () => {
    expect(parseConfig(memstorePattern.config, {})).toEqual({
      capacity: 100_000,
      eviction: "lru",
      maxMemoryBytes: 0,
      sweepIntervalMs: 1000,
      subscriberBufferSize: 1024,
      listenerQueue: 1024,
    });
    expect(() => parseConfig(memstorePattern.config, { eviction: "fifo" })).toThrow(ConfigError);
  });

  it("is HEALTHY with stats, and DEGRADED at 90% of the key capacity", async () => {
    const pattern = await instance({ capacity: 10, eviction: "none" });
    const keyvalue = pattern.keyvalue!;
    for (let i = 0; i < 8; i++) await keyvalue.set(`k${i}`, new Uint8Array(1), 0);
    expect(await pattern.health?.()).toMatchObject({ status: "HEALTHY", details: { keys: 8, bytes: 24, capacity: 10 } });
    await keyvalue.set("k8", new Uint8Array(1), 0);
    const report = await pattern.health?.();
    expect(report?.status).toBe("DEGRADED");
    expect(report?.message).toContain("9 keys of 10 (capacity, 90%)");
    await pattern.stop?.();
  });

  it("does not count expired keys towards nearly full", async () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ["Date"] });
    try {
      const pattern = await instance({ capacity: 10, sweepIntervalMs: 3_600_000 });
      const keyvalue = pattern.keyvalue!;
      for (let i = 0; i < 9; i++) await keyvalue.set(`k${i}`, new Uint8Array(1), i < 5 ? 100 : 0);
      expect((await pattern.health?.())?.status).toBe("DEGRADED");
      vi.setSystemTime(1_000_100);
      expect(await pattern.health?.()).toMatchObject({ status: "HEALTHY", details: { keys: 4, expired: 5 } });
      await pattern.stop?.();
    } finally {
      vi.useRealTimers();
    }
  });

  it("is DEGRADED at 90% of maxMemoryBytes", async () => {
    const pattern = await instance({ capacity: 0, maxMemoryBytes: 100 });
    await pattern.keyvalue!.set("k", new Uint8Array(94), 0);
    expect((await pattern.health?.())?.status).toBe("DEGRADED");
    await pattern.stop?.();
  });

  it("serves the registry (store and in-process messaging) and ends every Listen on stop", async () => {
    const pattern = await instance({ listenerQueue: 1 });
    const registry = pattern.registry!;
    await registry.store.register({ identity: "dev-1", metadata: { floor: 2 }, ttlMs: 60_000, replace: false, maxIdentities: 10 });
    expect(await registry.store.get("dev-1")).toMatchObject({ identity: "dev-1", metadata: { floor: 2 } });
    const listener = await registry.messaging.listen("dev-1", new AbortController().signal);
    const delivery = { payload: new Uint8Array([1]), contentType: "", metadata: {}, messageId: "m", sentAtMs: 1 };
    // The listener is not read, so its queue of 1 is full after the first delivery.
    expect(await registry.messaging.deliver(["dev-1", "dev-2"], delivery, 1000)).toEqual([
      { status: "DELIVERED" },
      { status: "NOT_LISTENING" },
    ]);
    expect((await registry.messaging.deliver(["dev-1"], delivery, 1000))[0]?.status).toBe("FAILED");
    expect(registry.messaging.listenerCount()).toBe(1);
    await pattern.stop?.();
    expect(registry.messaging.listenerCount()).toBe(0);
    const received = [];
    for await (const each of listener) received.push(each);
    expect(received).toEqual([]);
  });
});
