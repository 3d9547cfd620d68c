// End to end: `prismctl health` and `prismctl ns` over the admin API of a real, open (loopback, no auth) proxy:
// the status as JSON and as a table, and namespaces listed, created (inline JSON, a YAML file, stdin), read,
// updated and deleted live, with exit codes 1, 2 and 3 for taken names, bad configs and unknown names.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPrismctlProcesses, prismctlAt, requireBuiltPrismctl } from "./support/prismctl-process.js";

let proxy: ProxyProcess;
const files = mkdtempSync(join(tmpdir(), "prismctl-ns-"));

beforeAll(async () => {
  requireBuiltPrismctl();
  proxy = await startProxyProcess({
    config: { namespaces: { default: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" } } } },
  });
});
afterAll(async () => {
  killPrismctlProcesses();
  await proxy?.stop();
  rmSync(files, { recursive: true, force: true });
});

const { cli, json } = prismctlAt(() => proxy.url);

describe("prismctl health", () => {
  it("reports every namespace's patterns from GetStatus as JSON", async () => {
    expect(await json(["health"])).toMatchObject({
      source: "admin",
      url: proxy.url,
      status: "HEALTHY",
      proxyVersion: expect.any(String),
      startedAt: expect.any(String),
      namespaces: [
        {
          name: "default",
          patterns: [
            { api: "keyvalue", pattern: "memstore (inprocess)", isolation: "inprocess", status: "HEALTHY", restarts: 0 },
            { api: "pubsub", pattern: "memstore (inprocess)", isolation: "inprocess", status: "HEALTHY", restarts: 0 },
          ],
        },
      ],
    });
  });

  it("shows a table of namespaces, APIs, patterns, states and restarts with --no-json", async () => {
    const result = await cli(["health", "--no-json"]);
    expect(result.code).toBe(0);
    const [summary, header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(summary).toMatch(new RegExp(`^prism-proxy \\S+ at ${proxy.url}: HEALTHY, up .+; admin changes persist in .+`));
    expect(header?.split(/\s+/)).toEqual(["NAMESPACE", "API", "PATTERN", "ISOLATION", "STATE", "RESTARTS", "MESSAGE"]);
    expect(rows.map((row) => row.split(/\s{2,}/))).toEqual([
      ["default", "keyvalue", "memstore (inprocess)", "inprocess", "HEALTHY", "0"],
      ["default", "pubsub", "memstore (inprocess)", "inprocess", "HEALTHY", "0"],
    ]);
    expect((await cli(["health", "--no-json", "--details"])).stdout).toMatch(/DETAILS\n.*keys=\d+/);
  });
});

describe("prismctl ns", () => {
  it("creates, reads, lists, updates and deletes a namespace live", async () => {
    const created = await json(["ns", "create", "orders", '{"keyvalue": {"backend": "memstore"}, "access": {"read": ["any"]}}']);
    expect(created).toEqual({ name: "orders", config: { keyvalue: { backend: "memstore" }, access: { read: ["any"] } } });
    expect(await json(["ns", "get", "orders"])).toEqual(created);
    expect((await json(["ns", "list"])) as { name: string }[]).toEqual([
      { name: "default", config: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" } } },
      created,
    ]);

    // The namespace serves at once.
    expect((await cli(["-n", "orders", "kv", "set", "k", "v"])).code).toBe(0);

    const yaml = join(files, "orders.yaml");
    writeFileSync(
      yaml,
      "# orders, now with pubsub\nkeyvalue:\n  backend: memstore\npubsub: { backend: memstore }\naccess:\n  write:\n    - group:ops\n",
    );
    const updated = await json(["ns", "update", "orders", "--file", yaml]);
    expect(updated).toEqual({
      name: "orders",
      config: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" }, access: { write: ["group:ops"] } },
    });

    const table = await cli(["ns", "list", "--no-json"]);
    expect(table.stdout).toBe(
      [
        "NAME     KEYVALUE  PUBSUB    REGISTRY  ACCESS",
        "default  memstore  memstore  -         -",
        "orders   memstore  memstore  -         write=group:ops",
        "",
      ].join("\n"),
    );

    expect(await json(["ns", "delete", "orders"])).toEqual({ name: "orders", deleted: true });
    const gone = await cli(["ns", "get", "orders"]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/^prismctl: ns get "orders": namespace "orders" .*\(NOT_FOUND\)\n$/);
    expect((await cli(["ns", "delete", "orders"])).code).toBe(3);
  });

  it("reads the config from standard input with --file -, and shows a namespace for people", async () => {
    const result = await cli(["ns", "create", "cache", "--file", "-", "--no-json"], {
      input: "keyvalue:\n  backend: memstore\n  config: { capacity: 1000 }\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'created namespace "cache"',
        "namespace cache",
        "API       BACKEND   ISOLATION  SETTINGS",
        'keyvalue  memstore  auto       {"config":{"capacity":1000}}',
        "access: -",
        "",
      ].join("\n"),
    );
    expect((await cli(["ns", "delete", "cache"])).code).toBe(0);
  });

  it("exits 1 for a taken name, 2 for a config the proxy refuses or that cannot be read", async () => {
    const taken = await cli(["ns", "create", "default", '{"keyvalue": {"backend": "memstore"}}']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^prismctl: ns create "default": .*already exists \(ALREADY_EXISTS\)\n$/);

    const refused = await cli(["ns", "create", "broken", '{"keyvalue": {"backend": "no-such-pattern"}}']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^prismctl: ns create "broken": namespaces\.broken\.keyvalue\.backend: .*\(INVALID_ARGUMENT\)\n$/);

    const cases: [string[], RegExp][] = [
      [["ns", "create", "x"], /the namespace config is missing/],
      [["ns", "create", "x", "{nope"], /the inline config: not valid JSON/],
      [["ns", "create", "x", "--file", join(files, "absent.yaml")], /absent\.yaml: no such file/],
      [["ns", "create", "x", "[1, 2]"], /a namespace config is a mapping/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const badYaml = join(files, "bad.yaml");
    writeFileSync(badYaml, "keyvalue:\n  backend: memstore\n  backend: redis\n");
    const yamlError = await cli(["ns", "create", "x", "--file", badYaml]);
    expect(yamlError.code).toBe(2);
    expect(yamlError.stderr).toMatch(/bad\.yaml: not valid YAML \(Map keys must be unique at line 3/);
    expect(((await json(["ns", "list"])) as { name: string }[]).map((info) => info.name)).toEqual(["default"]);
  });
});
