// End to end: the admin API of the real proxy executable (open mode, loopback), through
// @prism/client over gRPC, Connect and gRPC-Web and as raw Connect JSON: every RPC; validation
// errors word for word those of prism.yaml; namespaces created, updated and deleted live while
// other namespaces are under load, with zero failed calls; the switch of an update (writes land
// in the new backend); changes persisted in a 0600 state file that survives a restart; and a
// proxy without a config file applying changes live only.
import { Code, createPrismClient, KeyNotFoundError, NamespaceNotFoundError, type PrismClient, PrismError } from "@prism/client";
import { type RedisServer, startRedisServer } from "@prism/testkit";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { processExists, proxyBinPath, startProxyProcess, type ProxyProcess } from "../src/testing/index.js";
import { proxyVersion } from "../src/version.js";

const memstore = { keyvalue: { backend: "memstore" } };

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<PrismError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PrismError);
  return error as PrismError;
}

const protocols = [
  { name: "gRPC", options: {} },
  { name: "Connect", options: { protocol: "connect" } },
  { name: "gRPC-Web", options: { protocol: "grpc-web" } },
] as const;

describe.each(protocols)("the admin API over $name", ({ options }) => {
  let dir: string;
  let proxy: ProxyProcess;
  let prism: PrismClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prism-admin-"));
    proxy = await startProxyProcess({ configDir: dir, config: { namespaces: { default: memstore } } });
    prism = createPrismClient({ url: proxy.url, ...options });
  });
  afterAll(async () => {
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists, gets, creates, updates and deletes namespaces, and reports status", async () => {
    expect(await prism.admin.listNamespaces()).toEqual([{ name: "default", config: memstore }]);
    expect(await prism.admin.getNamespace("default")).toEqual({ name: "default", config: memstore });

    const ordersConfig = { keyvalue: { backend: "memstore", isolation: "process" as const }, access: { read: ["any"] } };
    expect(await prism.admin.createNamespace("orders", ordersConfig)).toEqual({ name: "orders", config: ordersConfig });
    // Serving as soon as the call returned.
    const orders = prism.withNamespace("orders");
    await orders.kv.set("k", "in the process pattern");
    expect(await orders.kv.getString("k")).toBe("in the process pattern");
    expect(await prism.admin.getNamespace("orders")).toEqual({ name: "orders", config: ordersConfig });
    expect((await prism.admin.listNamespaces()).map((namespace) => namespace.name)).toEqual(["default", "orders"]);

    const status = await prism.admin.getStatus();
    expect(status.proxyVersion).toBe(proxyVersion);
    expect(status.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(status.startedAt.getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(status.stateFile).toBe(join(dir, "prism.state.json"));
    expect(status.namespaces.map((namespace) => namespace.name)).toEqual(["default", "orders"]);
    expect(status.namespaces[1]?.patterns).toEqual([
      {
        api: "keyvalue",
        pattern: 'memstore (process, namespace "orders")',
        isolation: "process",
        status: "HEALTHY",
        message: "",
        details: expect.objectContaining({ capacity: "100000", pid: expect.stringMatching(/^\d+$/) }),
        restarts: 0,
      },
    ]);
    expect(status.namespaces[0]?.patterns[0]).toMatchObject({ api: "keyvalue", pattern: "memstore (inprocess)", isolation: "inprocess" });

    const updated = { keyvalue: { backend: "memstore" } };
    expect(await prism.admin.updateNamespace("orders", updated)).toEqual({ name: "orders", config: updated });
    // A new (in-process) pattern now serves: the process pattern's data is gone with it.
    await expect(orders.kv.get("k")).rejects.toBeInstanceOf(KeyNotFoundError);
    expect((await prism.admin.getStatus()).namespaces[1]?.patterns[0]?.isolation).toBe("inprocess");

    await prism.admin.deleteNamespace("orders");
    await expect(orders.kv.get("k")).rejects.toBeInstanceOf(NamespaceNotFoundError);
    expect(await prism.admin.listNamespaces()).toEqual([{ name: "default", config: memstore }]);
  });

  it("answers NOT_FOUND (NamespaceNotFoundError), ALREADY_EXISTS and INVALID_ARGUMENT like the data plane", async () => {
    for (const call of [
      prism.admin.getNamespace("nope"),
      prism.admin.updateNamespace("nope", memstore),
      prism.admin.deleteNamespace("nope"),
    ]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(NamespaceNotFoundError);
      expect((error as NamespaceNotFoundError).namespace).toBe("nope");
      expect(error.rawMessage).toBe('namespace "nope" is not configured on this proxy');
    }
    const exists = await failure(prism.admin.createNamespace("default", memstore));
    expect(exists.code).toBe(Code.AlreadyExists);
    expect(exists.message).toBe('namespace "default" already exists (ALREADY_EXISTS)');
    const badName = await failure(prism.admin.getNamespace("Not A Name"));
    expect(badName.codeName).toBe("INVALID_ARGUMENT");
    expect(badName.rawMessage).toMatch(/invalid namespace name "Not A Name"/);
  });

  it("lets one of two concurrent creates of a name win; the other is ALREADY_EXISTS", async () => {
    const results = await Promise.allSettled([
      prism.admin.createNamespace("twin", memstore),
      prism.admin.createNamespace("twin", memstore),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as PrismError).code).toBe(Code.AlreadyExists);
    await prism.admin.deleteNamespace("twin");
  });
});

describe("validation errors", () => {
  let dir: string;
  let proxy: ProxyProcess;
  let grpc: PrismClient;
  let connect: PrismClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prism-admin-validation-"));
    proxy = await startProxyProcess({ configDir: dir, config: { namespaces: { default: memstore } } });
    grpc = createPrismClient({ url: proxy.url });
    connect = createPrismClient({ url: proxy.url, protocol: "connect" });
  });
  afterAll(async () => {
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What prism-proxy says about `namespaces.<name>: input` in a config file beside the running proxy's, without the file prefix. */
  function yamlError(name: string, input: unknown): string {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, stringify({ listen: "127.0.0.1:0", namespaces: { [name]: input } }));
    const result = spawnSync(process.execPath, [proxyBinPath, "--config", file], { encoding: "utf8", timeout: 30_000 });
    expect(result.status).toBe(2);
    const prefix = `prism-proxy: invalid configuration: ${file}: `;
    const line = result.stderr.split("\n").find((each) => each.startsWith(prefix));
    expect(line, result.stderr).toBeDefined();
    return (line as string).slice(prefix.length);
  }

  it.each([
    ["a bad isolation", { keyvalue: { backend: "memstore", isolation: "sideways" } }],
    ["an unknown backend", { keyvalue: { backend: "no-such-pattern" } }],
    ["an unknown API", { cache: { backend: "memstore" } }],
    ["a bad access principal", { keyvalue: { backend: "memstore" }, access: { write: ["everyone"] } }],
    ["a bad in-process pattern config", { keyvalue: { backend: "memstore", config: { capacity: "lots" } } }],
    ["a bad process pattern config", { keyvalue: { backend: "memstore", isolation: "process", config: { eviction: "random" } } }],
  ])("gives %s the message prism.yaml gets, over gRPC and Connect", async (_what, input) => {
    const expected = yamlError("broken", input);
    expect(expected).toMatch(/^namespaces\.broken\./);
    for (const client of [grpc, connect]) {
      const error = await failure(client.admin.createNamespace("broken", input as never));
      expect(error.codeName).toBe("INVALID_ARGUMENT");
      expect(error.rawMessage).toBe(expected);
      const update = await failure(client.admin.updateNamespace("default", input as never));
      expect(update.rawMessage).toBe(expected.replace("namespaces.broken.", "namespaces.default."));
    }
    expect(await grpc.admin.listNamespaces()).toEqual([{ name: "default", config: memstore }]);
    await grpc.kv.set("still", "served");
  });

  it("answers raw Connect JSON: a namespace as config_json, and INVALID_ARGUMENT for config_json that is not JSON", async () => {
    const post = (method: string, body: unknown) =>
      fetch(`${proxy.url}/prism.admin.v1.AdminService/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const listed = await post("ListNamespaces", {});
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ namespaces: [{ name: "default", configJson: JSON.stringify(memstore) }] });
    const bad = await post("CreateNamespace", { name: "raw", configJson: "{ keyvalue:" });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toMatch(/^config_json is not valid JSON: /);
  });
});

/** Keeps `workers` loops calling `call` until stopped, counting calls and keeping every failure. */
function hammer(call: (worker: number, index: number) => Promise<unknown>, workers = 8) {
  let running = true;
  let calls = 0;
  const failures: unknown[] = [];
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let index = 0; running; index++) {
      try {
        await call(worker, index);
        calls++;
      } catch (error) {
        failures.push(error);
        calls++;
      }
    }
  });
  return {
    failures,
    get calls() {
      return calls;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe("live changes under load", () => {
  let dir: string;
  let redis: RedisServer;
  let proxy: ProxyProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prism-admin-live-"));
    redis = await startRedisServer();
    proxy = await startProxyProcess({
      configDir: dir,
      config: {
        namespaces: {
          steady: memstore,
          "steady-proc": { keyvalue: { backend: "memstore", isolation: "process" } },
          moving: memstore,
        },
      },
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates, updates and deletes namespaces with zero failed calls on the others (gRPC and Connect) and on the one updated", async () => {
    const grpc = createPrismClient({ url: proxy.url });
    const connect = createPrismClient({ url: proxy.url, protocol: "connect", httpVersion: "2" });
    const admin = grpc.admin;
    const steady = grpc.withNamespace("steady");
    const steadyProc = connect.withNamespace("steady-proc");
    const moving = grpc.withNamespace("moving");
    await moving.kv.set("before", "in memstore");
    const loads = [
      hammer(async (worker, index) => {
        await steady.kv.set(`w${worker}`, String(index));
        expect(await steady.kv.getString(`w${worker}`)).toBe(String(index));
      }),
      hammer(async (worker, index) => {
        await steadyProc.kv.set(`w${worker}`, String(index));
        expect(await steadyProc.kv.getString(`w${worker}`)).toBe(String(index));
      }),
      // Writes only: before the switch they land in memstore, after it in Redis; none may fail.
      hammer((worker, index) => moving.kv.set(`load:${worker}:${index}`, "x")),
    ];
    const progressed = async () => {
      const before = loads.map((load) => load.calls);
      await expect.poll(() => loads.every((load, i) => load.calls > (before[i] as number) + 20)).toBe(true);
    };
    await progressed();
    const callsBefore = loads.map((load) => load.calls);

    await admin.createNamespace("fresh", { keyvalue: { backend: "memstore", isolation: "process" } });
    await grpc.withNamespace("fresh").kv.set("new", "serving at once");
    await progressed();
    await admin.updateNamespace("moving", { keyvalue: { backend: "redis", config: { url: redis.url } } });
    await progressed();
    await admin.updateNamespace("fresh", memstore);
    await progressed();
    await admin.deleteNamespace("fresh");
    await progressed();

    for (const load of loads) await load.stop();
    expect(loads.map((load) => load.failures)).toEqual([[], [], []]);
    for (const [i, load] of loads.entries()) expect(load.calls).toBeGreaterThan((callsBefore[i] as number) + 80);
    await expect(grpc.withNamespace("fresh").kv.get("new")).rejects.toBeInstanceOf(NamespaceNotFoundError);
  });

  it("switches an updated namespace to its new backend: writes after the update are in Redis, earlier ones are not", async () => {
    const grpc = createPrismClient({ url: proxy.url });
    const moving = grpc.withNamespace("moving");
    // The earlier test moved "moving" from memstore to Redis; read Redis through a second namespace on the same keys.
    await grpc.admin.createNamespace("probe", { keyvalue: { backend: "redis", config: { url: redis.url, keyPrefix: "prism:moving:" } } });
    const probe = grpc.withNamespace("probe");
    await moving.kv.set("after", "in redis");
    expect(await probe.kv.getString("after")).toBe("in redis");
    await expect(moving.kv.get("before")).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(probe.kv.get("before")).rejects.toBeInstanceOf(KeyNotFoundError);
    // Writes of the load after the switch are in Redis too.
    let found = 0;
    for await (const _entry of probe.kv.scan("load:", { includeValues: false })) found++;
    expect(found).toBeGreaterThan(0);
    await grpc.admin.deleteNamespace("probe");
  });

  it("reports restarts of a process pattern in GetStatus", async () => {
    const grpc = createPrismClient({ url: proxy.url });
    const patternOf = async () => (await grpc.admin.getStatus()).namespaces.find((n) => n.name === "steady-proc")?.patterns[0];
    const pid = Number((await patternOf())?.details.pid);
    expect(processExists(pid)).toBe(true);
    process.kill(pid, "SIGKILL");
    await vi.waitFor(
      async () => {
        const pattern = await patternOf();
        expect(pattern).toMatchObject({ restarts: 1, status: "HEALTHY" });
        expect(Number(pattern?.details.pid)).not.toBe(pid);
      },
      { timeout: 15_000, interval: 50 },
    );
  });
});

describe("persistence", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "prism-admin-state-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const stateFile = () => join(dir, "prism.state.json");

  it("keeps admin changes in a 0600 state file beside prism.yaml, which replaces prism.yaml's namespaces at the next start", async () => {
    const config = { namespaces: { default: memstore } };
    const first = await startProxyProcess({ configDir: dir, config });
    try {
      const prism = createPrismClient({ url: first.url });
      await prism.admin.createNamespace("kept", { keyvalue: { backend: "memstore", config: { capacity: 10 } }, access: { read: ["any"] } });
      await prism.admin.updateNamespace("default", { keyvalue: { backend: "memstore", isolation: "process" } });
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(statSync(stateFile()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(stateFile(), "utf8"))).toMatchObject({
      version: 1,
      namespaces: {
        default: { keyvalue: { backend: "memstore", isolation: "process" } },
        kept: { keyvalue: { backend: "memstore", config: { capacity: 10 } }, access: { read: ["any"] } },
      },
    });

    // prism.yaml now names another namespace: the state file wins (prism.yaml only seeded it).
    const second = await startProxyProcess({ configDir: dir, config: { namespaces: { default: memstore, "yaml-only": memstore } } });
    try {
      const prism = createPrismClient({ url: second.url });
      expect(await prism.admin.listNamespaces()).toEqual([
        { name: "default", config: { keyvalue: { backend: "memstore", isolation: "process" } } },
        { name: "kept", config: { keyvalue: { backend: "memstore", config: { capacity: 10 } }, access: { read: ["any"] } } },
      ]);
      const kept = prism.withNamespace("kept");
      await kept.kv.set("back", "after a restart");
      expect(await kept.kv.getString("back")).toBe("after a restart");
      expect((await prism.admin.getStatus()).namespaces[0]?.patterns[0]?.isolation).toBe("process");
      await second.waitForLog((record) => record.msg.startsWith(`namespaces come from ${stateFile()}`));
      await prism.admin.deleteNamespace("kept");
    } finally {
      expect(await second.stop()).toBe(0);
    }

    const third = await startProxyProcess({ configDir: dir, config });
    try {
      const names = (await createPrismClient({ url: third.url }).admin.listNamespaces()).map((namespace) => namespace.name);
      expect(names).toEqual(["default"]);
    } finally {
      await third.stop();
    }
    expect(statSync(stateFile()).mode & 0o777).toBe(0o600);
  });

  it("refuses to start on a bad state file, naming the file and the field (exit 2)", async () => {
    writeFileSync(
      stateFile(),
      JSON.stringify({ version: 1, namespaces: { orders: { keyvalue: { backend: "memstore", isolation: "sideways" } } } }),
    );
    const error = await startProxyProcess({ configDir: dir, config: { namespaces: { default: memstore } } }).then(
      () => new Error("started"),
      (caught: Error) => caught,
    );
    expect(error.message).toContain("exited with code 2");
    expect(error.message).toContain(
      `prism-proxy: invalid configuration: ${stateFile()}: namespaces.orders.keyvalue.isolation: expected one of "inprocess", "process", "auto", got "sideways"`,
    );
  });
});

describe("a proxy without a config file", () => {
  let proxy: ProxyProcess;
  beforeAll(async () => {
    proxy = await startProxyProcess({ noConfig: true });
  });
  afterAll(() => proxy?.stop());

  it("applies admin changes live, says once that they are not persisted, and reports no state file", async () => {
    const prism = createPrismClient({ url: proxy.url });
    await prism.admin.createNamespace("a", memstore);
    await prism.admin.createNamespace("b", memstore);
    await prism.withNamespace("b").kv.set("k", "v");
    expect((await prism.admin.getStatus()).stateFile).toBeUndefined();
    await proxy.waitForLog((record) => record.level === "warn" && record.msg.includes("not persisted"));
    expect(proxy.logs.filter((record) => record.msg.includes("not persisted"))).toHaveLength(1);
  });
});
