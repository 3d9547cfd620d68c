// Tests of the redis pattern definition against a real, private redis-server: config defaults and
// validation, health, and an outage (kill, restart) survived without recreating the backend.
import { Code, ConfigError, type HealthReport, type PatternInstance } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { type RedisServer, startRedisServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../test/code-of.js";
import { redisPattern } from "./redis-pattern.js";

let server: RedisServer;
const instances: PatternInstance[] = [];
const logLines: string[] = [];
const logger = createLogger({ level: "info", write: (line) => logLines.push(line) });
const text = (value: string) => new TextEncoder().encode(value);
/** How long to wait for a reconnect or a health change, and how often to look. */
const eventually = { timeout: 15_000, interval: 20 };

/** Creates (not starts) a pattern instance for `namespace` with fast failure and reconnect settings. */
async function instance(namespace: string, overrides: Record<string, unknown> = {}): Promise<PatternInstance> {
  const config = parseConfig(redisPattern.config, {
    url: server.url,
    connectTimeoutMs: 500,
    commandTimeoutMs: 500,
    reconnectMaxDelayMs: 100,
    unhealthyAfterMs: 2000,
    ...overrides,
  });
  const created = await redisPattern.create(config, { namespace, logger });
  instances.push(created);
  return created;
}

async function health(pattern: PatternInstance): Promise<HealthReport> {
  const report = await pattern.health?.();
  if (!report) throw new Error("the redis pattern reports no health");
  return report;
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const created of instances) await created.stop?.();
  await server?.stop();
});

describe("redisPattern", () => {
  it("has documented defaults and names a bad field", () => {
    expect(parseConfig(redisPattern.config, {})).toEqual({
      url: "",
      cluster: [],
      db: 0,
      username: "",
      password: "",
      tls: false,
      keyPrefix: "",
      connectTimeoutMs: 2000,
      commandTimeoutMs: 2000,
      maxRetriesPerRequest: 1,
      reconnectInitialDelayMs: 50,
      reconnectMaxDelayMs: 2000,
      slowPingMs: 100,
      unhealthyAfterMs: 3000,
      subscriberBufferSize: 1024,
      guarantee: "at-most-once",
      ackWaitMs: 30_000,
      streamMaxLength: 1_000_000,
      streamPollMs: 50,
      listenerQueue: 1024,
      messaging: { backend: "redis", url: "nats://127.0.0.1:4222", subjectPrefix: "", reconnectWaitMs: 1000 },
    });
    expect(() => parseConfig(redisPattern.config, { url: "redis://127.0.0.1:6379", db: -1 })).toThrow(/db/);
    expect(() => parseConfig(redisPattern.config, { guarantee: "exactly-once" })).toThrow(/guarantee/);
    expect(() => parseConfig(redisPattern.config, { streamPollMs: 3_000_000_000 })).toThrow(/streamPollMs.*<= 60000/);
    expect(() => parseConfig(redisPattern.config, { ackWaitMs: 86_400_001 })).toThrow(/ackWaitMs/);
  });

  it("never echoes a wrongly typed password", () => {
    expect(() => parseConfig(redisPattern.config, { password: 12345 }, { path: "config" })).toThrow(
      "config.password: expected a string, got a number (not shown: the field is secret)",
    );
  });

  it("refuses to create an instance for an unusable url with a ConfigError naming the field, password redacted", async () => {
    const create = () =>
      redisPattern.create(parseConfig(redisPattern.config, { url: "redis://app:hunter2@127.0.0.1:99999" }), { namespace: "bad", logger });
    const error = await Promise.resolve()
      .then(create)
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: "url" });
    expect((error as ConfigError).message).toMatch(/^url: expected .*redis:\/\/.*, got "redis:\/\/\*\*\*@127\.0\.0\.1:99999"/);
    expect((error as ConfigError).message).not.toContain("hunter2");
  });

  it("serves KeyValue and is HEALTHY with connection details", async () => {
    const pattern = await instance("healthy");
    await pattern.start?.();
    const keyvalue = pattern.keyvalue!;
    await keyvalue.set("k", text("v"), 0);
    expect(await keyvalue.get("k")).toEqual(text("v"));
    const report = await health(pattern);
    expect(report).toMatchObject({ status: "HEALTHY", details: { address: `127.0.0.1:${server.port}`, state: "ready" } });
    expect(report.details?.pingMs).toEqual(expect.any(Number));
    expect(logLines.some((line) => line.includes("connected to redis") && line.includes(`127.0.0.1:${server.port}`))).toBe(true);
  });

  it("fails fast while Redis is down, reports DEGRADED then UNHEALTHY, and recovers after a restart", async () => {
    const pattern = await instance("outage");
    await pattern.start?.();
    const keyvalue = pattern.keyvalue!;
    await keyvalue.set("before", text("1"), 0);

    await server.kill();
    expect(await codeOf(Promise.resolve(keyvalue.get("before")))).toBe(Code.Unavailable);
    await expect
      .poll(() => health(pattern), { ...eventually, message: "health soon after Redis died" })
      .toMatchObject({ status: "DEGRADED", details: { address: `127.0.0.1:${server.port}`, disconnectedForMs: expect.any(Number) } });
    await expect
      .poll(() => health(pattern), { ...eventually, message: "health once Redis is down longer than unhealthyAfterMs" })
      .toMatchObject({ status: "UNHEALTHY" });
    expect(await codeOf(Promise.resolve(keyvalue.set("during", text("x"), 0)))).toBe(Code.Unavailable);
    expect(await codeOf(Promise.resolve(keyvalue.scan({ prefix: "", cursor: "", limit: 10, includeValues: true })))).toBe(Code.Unavailable);
    expect(await codeOf(keyvalue.getMany!(["a", "b"]))).toBe(Code.Unavailable);
    expect(await codeOf(keyvalue.setMany!([{ key: "a", value: text("x"), ttlMs: 0 }]))).toBe(Code.Unavailable);
    expect(await codeOf(keyvalue.deleteMany!(["a", "b"]))).toBe(Code.Unavailable);

    // A pattern started while Redis is down still starts, and connects once Redis is back.
    const late = await instance("late-start");
    await late.start?.();
    expect(await codeOf(Promise.resolve(late.keyvalue!.get("k")))).toBe(Code.Unavailable);
    expect((await health(late)).status).not.toBe("HEALTHY");

    await server.restart();
    await expect
      .poll(() => health(pattern), { ...eventually, message: "health after Redis restarted" })
      .toMatchObject({ status: "HEALTHY" });
    await keyvalue.set("after", text("2"), 0);
    expect(await keyvalue.get("after")).toEqual(text("2"));
    await expect
      .poll(() => health(late), { ...eventually, message: "health of the pattern started while Redis was down, after the restart" })
      .toMatchObject({ status: "HEALTHY" });
    await late.keyvalue!.set("k", text("late"), 0);
    expect(await late.keyvalue!.get("k")).toEqual(text("late"));

    const port = `127.0.0.1:${server.port}`;
    expect(logLines.some((line) => line.includes("lost the connection to redis") && line.includes(port))).toBe(true);
    expect(logLines.some((line) => line.includes("not reachable at start") && line.includes(port))).toBe(true);
    expect(logLines.some((line) => line.includes("reconnected to redis"))).toBe(true);
  });

  it("is UNHEALTHY after stop", async () => {
    const pattern = await instance("stopped");
    await pattern.start?.();
    await pattern.stop?.();
    expect((await health(pattern)).status).toBe("UNHEALTHY");
  });
});
