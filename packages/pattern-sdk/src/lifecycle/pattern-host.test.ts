// Unit tests of PatternHost with a small in-test pattern: config validation, the serving gate,
// drain with in-flight calls, health, and the lifecycle handlers.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { GetRequestSchema, SetRequestSchema } from "@prism/proto/keyvalue/v1";
import {
  DrainRequestSchema,
  HealthCheckRequestSchema,
  HealthStatus,
  InitializeRequestSchema,
  StartRequestSchema,
  StopRequestSchema,
} from "@prism/proto/pattern/v1";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { field } from "../config/config-schema.js";
import type { CallContext } from "@prism/wire";
import type { KeyValueBackend } from "../keyvalue/keyvalue-backend.js";
import type { Logger } from "../logging/logger.js";
import type { HealthReport } from "./health-report.js";
import { definePattern } from "./pattern-definition.js";
import { PatternHost } from "./pattern-host.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const context: CallContext = { signal: new AbortController().signal };
const getPath = "/prism.keyvalue.v1.KeyValueService/Get";
const setPath = "/prism.keyvalue.v1.KeyValueService/Set";

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silent,
};

/** A get that waits for the test to release it. */
interface Gate {
  entered: Promise<void>;
  release(): void;
}

/** A pattern over a Map; `gate()` makes the next get wait until released. */
function makePattern() {
  const data = new Map<string, Uint8Array>();
  const events: string[] = [];
  let pending: { resolveEntered: () => void; wait: Promise<void> } | undefined;
  let healthReport: HealthReport | Error = { status: "HEALTHY", details: { keys: 0 } };
  const created: { config: unknown; namespace: string }[] = [];
  const backend: KeyValueBackend = {
    set(key, value) {
      data.set(key, value);
    },
    async get(key) {
      const gate = pending;
      pending = undefined;
      if (gate) {
        gate.resolveEntered();
        await gate.wait;
      }
      return data.get(key);
    },
    delete: (key) => data.delete(key),
    exists: (key) => data.has(key),
    scan: () => ({ items: [], nextCursor: "" }),
  };
  const definition = definePattern({
    name: "testpattern",
    version: "9.9.9",
    config: {
      x: field.integer("a number", { default: 1, min: 0 }),
      label: field.string("a label", { default: "l" }),
    },
    create(config, { namespace }) {
      created.push({ config, namespace });
      return {
        keyvalue: backend,
        start: () => {
          events.push("start");
        },
        stop: () => {
          events.push("stop");
        },
        health: () => {
          if (healthReport instanceof Error) throw healthReport;
          return healthReport;
        },
      };
    },
  });
  const gate = (): Gate => {
    let release!: () => void;
    let resolveEntered!: () => void;
    const wait = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entered = new Promise<void>((resolve) => {
      resolveEntered = resolve;
    });
    pending = { resolveEntered, wait };
    return { entered, release };
  };
  return {
    definition,
    data,
    events,
    created,
    gate,
    setHealth(report: HealthReport | Error) {
      healthReport = report;
    },
  };
}

function newHost(pattern = makePattern()) {
  const host = new PatternHost(pattern.definition, { logger: silent, drainTimeoutMs: 5000 });
  return { host, pattern };
}

async function call(host: PatternHost, path: string, request: unknown): Promise<unknown> {
  const method = host.methods.get(path);
  if (!method) throw new Error(`no method ${path}`);
  return method.handler(request, context);
}

async function rejects(promise: Promise<unknown>, code: Code): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(code);
    return error as ConnectError;
  }
  throw new Error(`expected ${Code[code]}`);
}

describe("PatternHost initialize", () => {
  it("parses config with defaults, creates the instance and lists its APIs", async () => {
    const { host, pattern } = newHost();
    const apis = await host.initialize("orders", { x: 5 });
    expect(apis).toEqual(["prism.keyvalue.v1.KeyValueService"]);
    expect(host.apis).toEqual(apis);
    expect(host.namespace).toBe("orders");
    expect(pattern.created).toEqual([{ config: { x: 5, label: "l" }, namespace: "orders" }]);
    expect(host.methods.has(getPath)).toBe(true);
  });

  it("rejects bad config naming the field under the location path", async () => {
    const { host, pattern } = newHost();
    let caught: unknown;
    try {
      await host.initialize("ns", { x: -1 }, { path: "config" });
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toContain("config.x");
    expect(pattern.created).toEqual([]);
  });

  it("rejects an unknown field and validates the limits block", async () => {
    const { host } = newHost();
    await expect(host.initialize("ns", { y: 1 }, { path: "config" })).rejects.toThrow(/config\.y/);
    const other = newHost().host;
    await expect(other.initialize("ns", { limits: { maxKeyBytes: 0 } }, { path: "config" })).rejects.toThrow(/config\.limits\.maxKeyBytes/);
  });

  it("roots a ConfigError from the pattern's own create() at the config's file and path", async () => {
    const strict = definePattern({
      name: "strict",
      version: "1",
      config: {},
      create: () => {
        throw new ConfigError({ field: "url", expected: "a redis:// URL", problem: "expected a redis:// URL, got an http:// one" });
      },
    });
    const host = new PatternHost(strict, { logger: silent });
    await expect(host.initialize("ns", {}, { file: "prism.yaml", path: "namespaces.ns.keyvalue.config" })).rejects.toThrow(
      "prism.yaml: namespaces.ns.keyvalue.config.url: expected a redis:// URL, got an http:// one",
    );
  });

  it("refuses a request limit with no room for the largest value", async () => {
    const { host } = newHost();
    await expect(host.initialize("ns", { limits: { maxRequestBytes: 2048 } }, { path: "config" })).rejects.toThrow(
      /config\.limits\.maxRequestBytes: 2048 leaves no room for the largest value/,
    );
  });

  it("applies the limits block to the data-plane handlers", async () => {
    const { host } = newHost();
    await host.initialize("ns", { limits: { maxKeyBytes: 2 } });
    await host.start();
    const error = await rejects(call(host, getPath, create(GetRequestSchema, { key: "abc" })), Code.InvalidArgument);
    expect(error.rawMessage).toContain("limits.maxKeyBytes");
  });

  it("refuses a second initialize", async () => {
    const { host } = newHost();
    await host.initialize("ns", {});
    await rejects(host.initialize("ns", {}), Code.FailedPrecondition);
  });

  it("refuses start before initialize", async () => {
    const { host } = newHost();
    await rejects(host.start(), Code.FailedPrecondition);
  });
});

describe("PatternHost serving gate", () => {
  it("refuses calls before start with UNAVAILABLE naming the namespace", async () => {
    const { host } = newHost();
    await host.initialize("orders", {});
    const error = await rejects(call(host, getPath, create(GetRequestSchema, { key: "k" })), Code.Unavailable);
    expect(error.rawMessage).toContain('"orders"');
  });

  it("serves calls after start", async () => {
    const { host, pattern } = newHost();
    await host.initialize("ns", {});
    await host.start();
    expect(pattern.events).toEqual(["start"]);
    await call(host, setPath, create(SetRequestSchema, { key: "k", value: bytes("v") }));
    const got = (await call(host, getPath, create(GetRequestSchema, { key: "k" }))) as { value: Uint8Array };
    expect(new TextDecoder().decode(got.value)).toBe("v");
    await rejects(call(host, getPath, create(GetRequestSchema, { key: "none" })), Code.NotFound);
  });

  it("refuses new calls once draining and after stop", async () => {
    const { host, pattern } = newHost();
    await host.initialize("ns", {});
    await host.start();
    expect(await host.drain()).toBe(0);
    await rejects(call(host, getPath, create(GetRequestSchema, { key: "k" })), Code.Unavailable);
    await host.stop();
    await host.stop();
    expect(pattern.events).toEqual(["start", "stop"]);
    await rejects(call(host, getPath, create(GetRequestSchema, { key: "k" })), Code.Unavailable);
  });
});

describe("PatternHost drain", () => {
  it("waits for an in-flight call and returns 0 once it finished", async () => {
    const { host, pattern } = newHost();
    await host.initialize("ns", {});
    await host.start();
    pattern.data.set("k", bytes("v"));
    const gate = pattern.gate();
    const inFlight = call(host, getPath, create(GetRequestSchema, { key: "k" }));
    await gate.entered;
    let drained: number | undefined;
    const draining = host.drain(60_000).then((pending) => {
      drained = pending;
      return pending;
    });
    // New calls are refused while the old one is still running.
    await rejects(call(host, getPath, create(GetRequestSchema, { key: "k" })), Code.Unavailable);
    expect(drained).toBeUndefined();
    gate.release();
    expect(await draining).toBe(0);
    const result = (await inFlight) as { value: Uint8Array };
    expect(new TextDecoder().decode(result.value)).toBe("v");
  });

  it("returns the pending count when a call is stuck past the timeout", async () => {
    const { host, pattern } = newHost();
    await host.initialize("ns", {});
    await host.start();
    const gate = pattern.gate();
    const stuck = call(host, getPath, create(GetRequestSchema, { key: "k" }));
    await gate.entered;
    expect(await host.drain(20)).toBe(1);
    gate.release();
    await rejects(stuck, Code.NotFound);
    expect(await host.drain(20)).toBe(0);
  });
});

describe("PatternHost health", () => {
  it("is UNHEALTHY before start, then reports the instance, DEGRADED while draining", async () => {
    const { host, pattern } = newHost();
    expect((await host.health()).status).toBe("UNHEALTHY");
    await host.initialize("ns", {});
    const before = await host.health();
    expect(before.status).toBe("UNHEALTHY");
    expect(before.message).toContain("initialized");
    await host.start();
    expect(await host.health()).toEqual({ status: "HEALTHY", details: { keys: 0 } });
    pattern.setHealth({ status: "DEGRADED", message: "slow", details: { latencyMs: 12 } });
    expect(await host.health()).toEqual({ status: "DEGRADED", message: "slow", details: { latencyMs: 12 } });
    pattern.setHealth(new Error("backend gone"));
    const failed = await host.health();
    expect(failed.status).toBe("UNHEALTHY");
    expect(failed.message).toContain("backend gone");
    await host.drain();
    expect((await host.health()).status).toBe("DEGRADED");
    await host.stop();
    expect((await host.health()).status).toBe("UNHEALTHY");
  });
});

describe("PatternHost lifecycle handlers", () => {
  it("initializes from config JSON and reports name, version and APIs", async () => {
    const { host, pattern } = newHost();
    const handlers = host.lifecycleHandlers();
    const response = await handlers.initialize(
      create(InitializeRequestSchema, { name: "cache", version: "1", configJson: '{"x": 3}' }),
      context,
    );
    expect(response).toEqual({
      patternName: "testpattern",
      patternVersion: "9.9.9",
      apis: ["prism.keyvalue.v1.KeyValueService"],
    });
    expect(pattern.created[0]).toEqual({ config: { x: 3, label: "l" }, namespace: "cache" });
  });

  it("treats empty config JSON as all defaults", async () => {
    const { host, pattern } = newHost();
    await host.lifecycleHandlers().initialize(create(InitializeRequestSchema, { name: "ns" }), context);
    expect(pattern.created[0]?.config).toEqual({ x: 1, label: "l" });
  });

  it("answers bad JSON with INVALID_ARGUMENT", async () => {
    const { host, pattern } = newHost();
    const error = await rejects(
      host.lifecycleHandlers().initialize(create(InitializeRequestSchema, { name: "ns", configJson: "{not json" }), context),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toContain("config_json");
    expect(pattern.created).toEqual([]);
  });

  it("answers invalid config with INVALID_ARGUMENT naming config.<field>", async () => {
    const { host } = newHost();
    const error = await rejects(
      host.lifecycleHandlers().initialize(create(InitializeRequestSchema, { name: "ns", configJson: '{"x": "many"}' }), context),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toContain("config.x");
  });

  it("drives start, health, drain and stop", async () => {
    const { host, pattern } = newHost();
    const handlers = host.lifecycleHandlers();
    const unhealthy = await handlers.healthCheck(create(HealthCheckRequestSchema), context);
    expect(unhealthy.status).toBe(HealthStatus.UNHEALTHY);
    await handlers.initialize(create(InitializeRequestSchema, { name: "ns" }), context);
    await handlers.start(create(StartRequestSchema), context);
    const healthy = await handlers.healthCheck(create(HealthCheckRequestSchema), context);
    expect(healthy.status).toBe(HealthStatus.HEALTHY);
    expect(healthy.details).toEqual({ keys: "0" });
    expect(await handlers.drain(create(DrainRequestSchema, { timeoutMs: 10 }), context)).toEqual({ pending: 0 });
    await handlers.stop(create(StopRequestSchema), context);
    expect(pattern.events).toEqual(["start", "stop"]);
  });

  it("exposes the lifecycle methods by path", () => {
    const { host } = newHost();
    const paths = [...host.lifecycleMethods().keys()];
    expect(paths).toContain("/prism.pattern.v1.PatternLifecycleService/Initialize");
    expect(paths).toContain("/prism.pattern.v1.PatternLifecycleService/HealthCheck");
  });
});

describe("PatternHost stopped while starting", () => {
  it("does not end up serving, and stops the instance after its start finished", async () => {
    const events: string[] = [];
    let finishStart: () => void = () => {};
    const definition = definePattern({
      name: "slow-start",
      version: "0.0.1",
      config: {},
      create: () => ({
        keyvalue: { set() {}, get: () => undefined, delete: () => false, exists: () => false, scan: () => ({ items: [], nextCursor: "" }) },
        start: () =>
          new Promise<void>((resolve) => {
            finishStart = () => {
              events.push("started");
              resolve();
            };
          }),
        stop: () => {
          events.push("stopped");
        },
      }),
    });
    const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
    const host = new PatternHost(definition, { logger: silent });
    await host.initialize("ns", {});
    const starting = host.start();
    const stopping = host.stop();
    finishStart();
    await expect(starting).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await stopping;
    expect(events).toEqual(["started", "stopped"]);
    expect((await host.health()).status).toBe("UNHEALTHY");
  });
});
