// Unit tests of NamespaceManager with fake pattern runtimes and the real router: validation as
// prism.yaml, create/update/delete order (start new → switch → drain → stop old), unchanged
// bindings kept, failures leaving everything as it was, changes to one namespace serialized,
// access rules kept in sync, the state file written per change, and shutdown.
import { create, type Message } from "@bufbuild/protobuf";
import { Code, ConfigError, ConnectError, type HealthReport, type Logger } from "@prism/pattern-sdk";
import { createLogger } from "@prism/pattern-sdk/host";
import { GetRequestSchema, GetResponseSchema } from "@prism/proto/keyvalue/v1";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiName } from "../config/api-names.js";
import { type BindingConfig, type NamespaceConfig, parseNamespace, parseProxyConfig } from "../config/proxy-config.js";
import type { InvokeOptions, PatternRuntime } from "../patterns/pattern-runtime.js";
import type { RuntimeFactory } from "../patterns/runtime-factory.js";
import { NamespaceRouter } from "../server/namespace-router.js";
import { NamespaceManager } from "./namespace-manager.js";
import { NamespaceStateFile } from "./namespace-state-file.js";

const getPath = "/prism.keyvalue.v1.KeyValueService/Get";
const publishPath = "/prism.pubsub.v1.PubSubService/Publish";

/** A promise resolved from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * A runtime that records its life in `events`. Its binding's `config.fake` steers it: "config-error"
 * (start throws a ConfigError), "start-error" (start throws), "gated" (start waits for `gates`).
 */
class FakeRuntime implements PatternRuntime {
  readonly requestLimit: number;
  stopped = false;
  /** Unary calls that have not answered yet. */
  readonly pending: (() => void)[] = [];

  constructor(
    readonly description: string,
    private readonly binding: BindingConfig,
    private readonly events: string[],
    private readonly gates: Map<string, Promise<void>>,
  ) {
    this.requestLimit = (binding.config as { limits?: { maxRequestBytes?: number } }).limits?.maxRequestBytes ?? 4 * 1024 * 1024;
  }

  async start(): Promise<void> {
    const fake = (this.binding.config as { fake?: string }).fake;
    this.events.push(`start ${this.description}`);
    if (fake === "config-error") {
      throw new ConfigError({ field: "namespaces.x.keyvalue.config.capacity", expected: "an integer", got: "lots" });
    }
    if (fake === "start-error") throw new Error("the backend is not there");
    if (fake === "gated") await this.gates.get(this.description);
    this.events.push(`started ${this.description}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.events.push(`stop ${this.description}`);
  }

  async health(): Promise<HealthReport> {
    return { status: "HEALTHY", details: { fake: 1 } };
  }

  serveGrpc(): void {
    throw new Error("not used here");
  }

  invokeUnary(_path: string, _request: Message, _options: InvokeOptions): Promise<Message> {
    return new Promise<Message>((resolve) => this.pending.push(() => resolve(create(GetResponseSchema))));
  }

  async *invokeServerStreaming(): AsyncIterable<Message> {}
}

let dir: string;
let events: string[];
let runtimes: FakeRuntime[];
let gates: Map<string, Promise<void>>;
let logs: { level: string; msg: string }[];
let router: NamespaceRouter;
let accessChanges: string[][];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "prism-manager-"));
  events = [];
  runtimes = [];
  gates = new Map();
  logs = [];
  router = new NamespaceRouter();
  accessChanges = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const logger: () => Logger = () =>
  createLogger({ write: (line) => void logs.push(JSON.parse(line) as { level: string; msg: string }), level: "info" });

/** A factory numbering its runtimes: "<namespace>/<api>#<n>". */
const factory: RuntimeFactory = async (namespace: string, api: ApiName, binding: BindingConfig) => {
  const runtime = new FakeRuntime(`${namespace}/${api}#${runtimes.length + 1}`, binding, events, gates);
  runtimes.push(runtime);
  return runtime;
};

function manager(persist: NamespaceStateFile | "live only" = new NamespaceStateFile(join(dir, "prism.state.json"), "test")) {
  return new NamespaceManager({
    router,
    createRuntime: factory,
    baseDir: dir,
    stateFile: persist === "live only" ? undefined : persist,
    onNamespacesChange: (namespaces) => accessChanges.push([...namespaces.values()].map((n) => `${n.name}:${n.access.read.join("+")}`)),
    logger: logger(),
  });
}

/** Parses a namespace as prism.yaml would. */
function namespace(name: string, input: Record<string, unknown>): NamespaceConfig {
  return parseNamespace(name, input, { file: undefined, path: `namespaces.${name}`, baseDir: dir });
}

/** The runtime `namespace` routes `path` to, by description (or the status code). */
function routed(name: string, path = getPath): string | Code {
  const route = router.route(name, path);
  return route.ok ? route.runtime.description : route.code;
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

const memstore = { keyvalue: { backend: "memstore" } };

function savedNamespaces(): unknown {
  return (JSON.parse(readFileSync(join(dir, "prism.state.json"), "utf8")) as { namespaces: unknown }).namespaces;
}

describe("NamespaceManager", () => {
  it("starts the initial namespaces and routes them; lists and gets them with their mapping as given", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("b", memstore), namespace("a", { ...memstore, pubsub: { backend: "memstore" } })], undefined);
    expect(routed("a")).toBe("a/keyvalue#2");
    expect(routed("a", publishPath)).toBe("a/pubsub#3");
    expect(routed("b")).toBe("b/keyvalue#1");
    expect(namespaces.list().map((n) => n.name)).toEqual(["a", "b"]);
    expect(namespaces.get("b").source).toEqual(memstore);
    expect(accessChanges.at(-1)).toEqual(["b:", "a:"]);
  });

  it("stops what started when an initial namespace fails, and rejects with its error", async () => {
    const namespaces = manager();
    const failing = namespace("b", { keyvalue: { backend: "memstore", config: { fake: "start-error" } } });
    await expect(namespaces.start([namespace("a", memstore), failing], undefined)).rejects.toThrow("the backend is not there");
    expect(runtimes.map((runtime) => runtime.stopped)).toEqual([true, true]);
  });

  it("creates a namespace: routed only once its patterns serve, access rules first, saved to the state file", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("default", memstore)], undefined);
    const gate = deferred();
    gates.set("fresh/keyvalue#2", gate.promise);
    const created = namespaces.create("fresh", { keyvalue: { backend: "memstore", config: { fake: "gated" } }, access: { read: ["any"] } });
    await expect.poll(() => events).toContain("start fresh/keyvalue#2");
    expect(routed("fresh")).toBe(Code.NotFound);
    gate.resolve();
    expect((await created).name).toBe("fresh");
    expect(routed("fresh")).toBe("fresh/keyvalue#2");
    expect(accessChanges.at(-1)).toEqual(["default:", "fresh:any"]);
    expect(savedNamespaces()).toEqual({
      default: memstore,
      fresh: { keyvalue: { backend: "memstore", config: { fake: "gated" } }, access: { read: ["any"] } },
    });
    expect(logs.some((line) => line.msg.startsWith('admin: created namespace "fresh"'))).toBe(true);
  });

  it("refuses to create an existing namespace (ALREADY_EXISTS) or a bad name (INVALID_ARGUMENT), starting nothing", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("default", memstore)], undefined);
    expect((await failure(namespaces.create("default", memstore))).code).toBe(Code.AlreadyExists);
    const bad = await failure(namespaces.create("Bad Name", memstore));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toMatch(/^namespaces\.Bad Name: invalid namespace name "Bad Name": use 1-63 lowercase letters/);
    expect(runtimes).toHaveLength(1);
  });

  it.each([
    ["an unknown API", { cache: { backend: "memstore" } }],
    ["no API", {}],
    ["both backend and command", { keyvalue: { backend: "memstore", command: ["x"] } }],
    ["a bad isolation", { keyvalue: { backend: "memstore", isolation: "sideways" } }],
    ["an unknown backend", { keyvalue: { backend: "no-such-pattern" } }],
    ["an unknown binding field", { keyvalue: { backend: "memstore", colour: "red" } }],
    ["a bad principal", { keyvalue: { backend: "memstore" }, access: { read: ["everyone"] } }],
    ["a list", [1, 2]],
  ])("validates %s exactly like prism.yaml (INVALID_ARGUMENT, same message without the file)", async (_what, input) => {
    const namespaces = manager();
    const error = await failure(namespaces.create("orders", input));
    let yamlMessage = "";
    try {
      parseProxyConfig({ namespaces: { orders: input } }, join(dir, "prism.yaml"));
    } catch (caught) {
      yamlMessage = (caught as Error).message;
    }
    expect(yamlMessage.startsWith(`${join(dir, "prism.yaml")}: namespaces.orders`)).toBe(true);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe(yamlMessage.replace(`${join(dir, "prism.yaml")}: `, ""));
    expect(runtimes).toHaveLength(0);
    expect(routed("orders")).toBe(Code.NotFound);
  });

  it("answers a pattern's config error with INVALID_ARGUMENT and another start failure with FAILED_PRECONDITION; nothing changes", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("default", memstore)], undefined);
    const configError = await failure(namespaces.create("x", { keyvalue: { backend: "memstore", config: { fake: "config-error" } } }));
    expect(configError.code).toBe(Code.InvalidArgument);
    expect(configError.rawMessage).toBe('namespaces.x.keyvalue.config.capacity: expected an integer, got "lots"');
    const startError = await failure(namespaces.update("default", { keyvalue: { backend: "memstore", config: { fake: "start-error" } } }));
    expect(startError.code).toBe(Code.FailedPrecondition);
    expect(startError.rawMessage).toBe('namespace "default" was not changed: its patterns did not start: the backend is not there');
    expect(routed("x")).toBe(Code.NotFound);
    expect(routed("default")).toBe("default/keyvalue#1");
    expect(runtimes.map((runtime) => [runtime.description, runtime.stopped])).toEqual([
      ["default/keyvalue#1", false],
      ["x/keyvalue#2", true],
      ["default/keyvalue#3", true],
    ]);
    expect(namespaces.get("default").source).toEqual(memstore);
  });

  it("updates a namespace: starts the new pattern, switches, waits for calls routed to the old one, then stops it", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("orders", memstore)], undefined);
    const before = router.route("orders", getPath);
    if (!before.ok) throw new Error("orders not routed");
    const old = runtimes[0] as FakeRuntime;
    // A call routed to the old pattern before the switch is still running.
    const call = before.runtime.invokeUnary(getPath, create(GetRequestSchema, { key: "k" }), {
      signal: new AbortController().signal,
      timeoutMs: undefined,
      client: "test",
    });
    const updated = namespaces.update("orders", { keyvalue: { backend: "memstore", isolation: "process" } });
    await expect.poll(() => routed("orders")).toBe("orders/keyvalue#2");
    expect(events).toEqual([
      "start orders/keyvalue#1",
      "started orders/keyvalue#1",
      "start orders/keyvalue#2",
      "started orders/keyvalue#2",
    ]);
    expect(old.stopped).toBe(false);
    old.pending[0]?.();
    await call;
    await updated;
    expect(old.stopped).toBe(true);
    expect(events.at(-1)).toBe("stop orders/keyvalue#1");
    expect(namespaces.get("orders").source).toEqual({ keyvalue: { backend: "memstore", isolation: "process" } });
    expect(savedNamespaces()).toEqual({ orders: { keyvalue: { backend: "memstore", isolation: "process" } } });
  });

  it("keeps a binding whose mapping did not change (whatever the key order) and replaces only the changed one", async () => {
    const namespaces = manager();
    const start = { keyvalue: { backend: "memstore", config: { capacity: 5, eviction: "lru" } }, pubsub: { backend: "memstore" } };
    await namespaces.start([namespace("orders", start)], undefined);
    const reordered = {
      access: { read: ["group:ops"] },
      pubsub: { backend: "memstore", isolation: "process" },
      keyvalue: { config: { eviction: "lru", capacity: 5 }, backend: "memstore" },
    };
    await namespaces.update("orders", reordered);
    expect(routed("orders")).toBe("orders/keyvalue#1");
    expect(routed("orders", publishPath)).toBe("orders/pubsub#3");
    expect(runtimes.map((runtime) => runtime.stopped)).toEqual([false, true, false]);
    expect(accessChanges.at(-1)).toEqual(["orders:group:ops"]);
  });

  it("stops an API left out of an update and stops routing it", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("orders", { ...memstore, pubsub: { backend: "memstore" } })], undefined);
    await namespaces.update("orders", memstore);
    expect(routed("orders", publishPath)).toBe(Code.Unimplemented);
    expect(runtimes.map((runtime) => runtime.stopped)).toEqual([false, true]);
  });

  it("deletes a namespace: out of the router first, then stopped; NOT_FOUND afterwards", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("default", memstore), namespace("gone", memstore)], undefined);
    await namespaces.delete("gone");
    expect(routed("gone")).toBe(Code.NotFound);
    expect(routed("default")).toBe("default/keyvalue#1");
    expect(runtimes[1]?.stopped).toBe(true);
    expect(savedNamespaces()).toEqual({ default: memstore });
    for (const attempt of [
      namespaces.delete("gone"),
      namespaces.update("gone", memstore),
      Promise.resolve().then(() => namespaces.get("gone")),
    ]) {
      const error = await failure(attempt);
      expect(error.code).toBe(Code.NotFound);
      expect(error.rawMessage).toBe('namespace "gone" is not configured on this proxy');
      expect(error.metadata.get("prism-error-reason")).toBe("namespace-not-found");
    }
  });

  it("runs changes to one namespace one at a time: a second update starts only after the first finished", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("orders", memstore)], undefined);
    const gate = deferred();
    gates.set("orders/keyvalue#2", gate.promise);
    const first = namespaces.update("orders", { keyvalue: { backend: "memstore", config: { fake: "gated" } } });
    const second = namespaces.update("orders", { keyvalue: { backend: "memstore", config: { fake: "second" } } });
    const third = namespaces.delete("orders");
    // A change to another namespace is not held up.
    await namespaces.create("other", memstore);
    expect(events.filter((event) => event.startsWith("start orders"))).toEqual(["start orders/keyvalue#1", "start orders/keyvalue#2"]);
    gate.resolve();
    await first;
    await second;
    await third;
    expect(events.filter((event) => event.includes("orders"))).toEqual([
      "start orders/keyvalue#1",
      "started orders/keyvalue#1",
      "start orders/keyvalue#2",
      "started orders/keyvalue#2",
      "stop orders/keyvalue#1",
      "start orders/keyvalue#4",
      "started orders/keyvalue#4",
      "stop orders/keyvalue#2",
      "stop orders/keyvalue#4",
    ]);
    expect(routed("orders")).toBe(Code.NotFound);
    expect(savedNamespaces()).toEqual({ other: memstore });
  });

  it("concurrent creates of one name: one wins, the other is ALREADY_EXISTS", async () => {
    const namespaces = manager();
    const results = await Promise.allSettled([namespaces.create("twin", memstore), namespaces.create("twin", memstore)]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected"]);
    expect(((results[1] as PromiseRejectedResult).reason as ConnectError).code).toBe(Code.AlreadyExists);
    expect(runtimes).toHaveLength(1);
  });

  it("changes nothing when the state file cannot be written (INTERNAL), stopping the pattern it started", async () => {
    const namespaces = manager(new NamespaceStateFile(join(dir, "missing-folder", "prism.state.json"), "test"));
    await namespaces.start([namespace("default", memstore)], undefined);
    const error = await failure(namespaces.create("fresh", memstore));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toMatch(/^namespace "fresh" was not changed: cannot write the state file .*missing-folder.*ENOENT/);
    expect(routed("fresh")).toBe(Code.NotFound);
    expect(runtimes.map((runtime) => runtime.stopped)).toEqual([false, true]);
    expect(namespaces.list().map((n) => n.name)).toEqual(["default"]);
  });

  it("without a state file applies changes live and warns once that they are not persisted", async () => {
    const namespaces = manager("live only");
    await namespaces.create("a", memstore);
    await namespaces.create("b", memstore);
    expect(routed("b")).toBe("b/keyvalue#2");
    expect(namespaces.stateFile).toBeUndefined();
    expect(logs.filter((line) => line.level === "warn" && line.msg.includes("not persisted"))).toHaveLength(1);
  });

  it("reports every pattern's state, sorted", async () => {
    const namespaces = manager();
    await namespaces.start(
      [namespace("b", memstore), namespace("a", { pubsub: { backend: "memstore", isolation: "process" }, ...memstore })],
      undefined,
    );
    expect(await namespaces.status()).toEqual([
      {
        name: "a",
        patterns: [
          {
            api: "keyvalue",
            pattern: "a/keyvalue#3",
            isolation: "inprocess",
            health: { status: "HEALTHY", details: { fake: 1 } },
            restarts: 0,
          },
          { api: "pubsub", pattern: "a/pubsub#2", isolation: "process", health: { status: "HEALTHY", details: { fake: 1 } }, restarts: 0 },
        ],
      },
      {
        name: "b",
        patterns: [{ api: "keyvalue", pattern: "b/keyvalue#1", isolation: "inprocess", health: expect.anything(), restarts: 0 }],
      },
    ]);
  });

  it("follows the largest request limit of the namespaces served", async () => {
    const namespaces = manager();
    expect(namespaces.maxRequestBytes).toBe(4 * 1024 * 1024);
    await namespaces.create("big", { keyvalue: { backend: "memstore", config: { limits: { maxRequestBytes: 16 * 1024 * 1024 } } } });
    expect(namespaces.maxRequestBytes).toBe(16 * 1024 * 1024);
    await namespaces.delete("big");
    expect(namespaces.maxRequestBytes).toBe(4 * 1024 * 1024);
  });

  it("at close lets a change under way finish, stops every pattern, and refuses later changes (UNAVAILABLE)", async () => {
    const namespaces = manager();
    await namespaces.start([namespace("default", memstore)], undefined);
    const gate = deferred();
    gates.set("late/keyvalue#2", gate.promise);
    const late = namespaces.create("late", { keyvalue: { backend: "memstore", config: { fake: "gated" } } });
    await expect.poll(() => events).toContain("start late/keyvalue#2");
    const closed = namespaces.close();
    gate.resolve();
    expect((await failure(late)).code).toBe(Code.Unavailable);
    await closed;
    expect(runtimes.map((runtime) => runtime.stopped)).toEqual([true, true]);
    expect((await failure(namespaces.create("after", memstore))).code).toBe(Code.Unavailable);
  });
});
