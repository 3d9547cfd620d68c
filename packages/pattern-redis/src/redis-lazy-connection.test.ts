// Tests of RedisLazyConnection against a real, private redis-server: nothing is created before the first
// open, concurrent opens share one connection, stop never opens it and ends a first attempt in flight, and
// an open while Redis is unreachable resolves with a client that keeps reconnecting.
import { Code } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { findFreePort, type RedisServer, startRedisServer } from "@prism/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../test/code-of.js";
import { redisConfigSchema } from "./redis-config.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisLazyConnection } from "./redis-lazy-connection.js";
import { createRedisSubscriberClient } from "./redis-subscriber-client.js";

let server: RedisServer;
const lazies: RedisLazyConnection[] = [];
const logLines: string[] = [];
const logger = createLogger({ level: "info", write: (line) => logLines.push(line) });

/** A lazy subscriber connection to `url` and how many connections it has created. */
function lazyConnection(url = server.url): { lazy: RedisLazyConnection; created: () => number } {
  const config = parseConfig(redisConfigSchema, { url, connectTimeoutMs: 500, reconnectMaxDelayMs: 100 });
  let created = 0;
  const lazy = new RedisLazyConnection(() => {
    created++;
    const { client, address } = createRedisSubscriberClient(config);
    return new RedisConnection({ client, address, logger, slowPingMs: 100, unhealthyAfterMs: 3000 });
  });
  lazies.push(lazy);
  return { lazy, created: () => created };
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterEach(async () => {
  for (const lazy of lazies.splice(0)) await lazy.stop();
});

afterAll(async () => {
  await server?.stop();
});

describe("RedisLazyConnection", () => {
  it("creates nothing before the first open, and one ready connection for concurrent opens", async () => {
    const { lazy, created } = lazyConnection();
    expect(created()).toBe(0);
    expect(lazy.state()).toBeUndefined();
    const [first, second] = await Promise.all([lazy.open(), lazy.open()]);
    expect(second).toBe(first);
    expect(await lazy.open()).toBe(first);
    expect(created()).toBe(1);
    expect(first.status).toBe("ready");
    expect(lazy.state()).toEqual({ address: `127.0.0.1:${server.port}`, state: "ready", disconnectedForMs: undefined });
  });

  it("never opens on stop, and rejects opens UNAVAILABLE after it", async () => {
    const { lazy, created } = lazyConnection();
    await lazy.stop();
    expect(await codeOf(lazy.open())).toBe(Code.Unavailable);
    expect(created()).toBe(0);
    expect(lazy.state()).toBeUndefined();
  });

  it("closes an opened connection on stop", async () => {
    const { lazy } = lazyConnection();
    const client = await lazy.open();
    await lazy.stop();
    // stop() resolves with the QUIT reply; the socket closes right after.
    await expect.poll(() => lazy.state()?.state, { timeout: 15_000, interval: 20, message: "the state after stop" }).toBe("end");
    expect(client.status).toBe("end");
    expect(await codeOf(lazy.open())).toBe(Code.Unavailable);
  });

  it("ends a first connection attempt that stop interrupts, without warning that Redis is unreachable", async () => {
    const { lazy } = lazyConnection();
    const opening = lazy.open();
    await lazy.stop();
    const client = await opening;
    expect(client.status).toBe("end");
    expect(logLines.filter((line) => line.includes("not reachable"))).toEqual([]);
  });

  it("resolves an open while Redis is unreachable with a client that keeps reconnecting", async () => {
    const { lazy, created } = lazyConnection(`redis://127.0.0.1:${await findFreePort()}`);
    const client = await lazy.open();
    expect(client.status).not.toBe("ready");
    expect(client.status).not.toBe("end");
    expect(lazy.state()).toMatchObject({ disconnectedForMs: expect.any(Number) });
    expect(await lazy.open()).toBe(client);
    expect(created()).toBe(1);
    expect(logLines.some((line) => line.includes("not reachable"))).toBe(true);
  });
});
