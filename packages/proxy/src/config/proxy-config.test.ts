// Unit tests of prism.yaml validation: defaults, isolation resolution, binding rules, namespace
// names, unknown APIs and fields, and messages that name the file and the field path.
import { ConfigError } from "@prism/pattern-sdk";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultListen, defaultProxyConfig, loadProxyConfig, parseProxyConfig } from "./proxy-config.js";

const file = "/etc/prism/prism.yaml";

function configError(input: unknown, from: { file: string | undefined } = { file }): ConfigError {
  try {
    parseProxyConfig(input, from.file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("proxy config defaults", () => {
  it("gives one default namespace on in-process memstore when there is no config", () => {
    for (const input of [undefined, {}, { namespaces: null }]) {
      const config = parseProxyConfig(input, undefined);
      expect(config.listen).toBe(defaultListen);
      expect([...config.namespaces.keys()]).toEqual(["default"]);
      const apis = config.namespaces.get("default")?.apis;
      expect(Object.keys(apis ?? {}).sort()).toEqual(["keyvalue", "pubsub", "registry"]);
      for (const binding of Object.values(apis ?? {})) {
        expect(binding?.backend).toBe("memstore");
        expect(binding?.isolation).toBe("inprocess");
        expect(binding?.command).toEqual([]);
      }
    }
  });

  it("defaultProxyConfig uses the given listen address", () => {
    const config = defaultProxyConfig("127.0.0.2:9000");
    expect(config.listen).toBe("127.0.0.2:9000");
    expect(config.namespaces.get("default")?.apis.keyvalue?.isolation).toBe("inprocess");
    expect(config.file).toBeUndefined();
  });

  it("fills binding defaults and keeps the pattern's config block", () => {
    const config = parseProxyConfig({ namespaces: { cache: { keyvalue: { backend: "memstore", config: { capacity: 5 } } } } }, file);
    expect(config.file).toBe(file);
    expect(config.namespaces.get("cache")?.apis.keyvalue).toEqual({
      backend: "memstore",
      command: [],
      isolation: "inprocess",
      module: { backend: "memstore", builtin: "memstore", url: expect.stringMatching(/^file:.*pattern-memstore/) },
      config: { capacity: 5 },
      processHop: "framed",
      startTimeoutMs: 30_000,
      healthIntervalMs: 5_000,
      drainTimeoutMs: 5_000,
      stopGraceMs: 5_000,
      restartInitialDelayMs: 200,
      restartMaxDelayMs: 10_000,
    });
  });

  it("keeps only the configured namespaces when namespaces are given", () => {
    const config = parseProxyConfig({ namespaces: { a: { keyvalue: { backend: "memstore" } } } }, file);
    expect([...config.namespaces.keys()]).toEqual(["a"]);
  });
});

describe("proxy config isolation", () => {
  it("resolves auto to inprocess for a backend and process for a command", () => {
    const config = parseProxyConfig(
      {
        namespaces: {
          builtin: { keyvalue: { backend: "memstore" } },
          custom: { keyvalue: { command: ["node", "pattern.js"] } },
          explicit: { keyvalue: { backend: "memstore", isolation: "process" } },
          customexplicit: { keyvalue: { command: ["x"], isolation: "process" } },
        },
      },
      file,
    );
    expect(config.namespaces.get("builtin")?.apis.keyvalue?.isolation).toBe("inprocess");
    expect(config.namespaces.get("custom")?.apis.keyvalue?.isolation).toBe("process");
    expect(config.namespaces.get("custom")?.apis.keyvalue?.command).toEqual(["node", "pattern.js"]);
    expect(config.namespaces.get("explicit")?.apis.keyvalue?.isolation).toBe("process");
    expect(config.namespaces.get("customexplicit")?.apis.keyvalue?.isolation).toBe("process");
  });

  it("rejects a command with isolation inprocess", () => {
    const error = configError({ namespaces: { c: { keyvalue: { command: ["x"], isolation: "inprocess" } } } });
    expect(error.field).toBe("namespaces.c.keyvalue.isolation");
    expect(error.message.startsWith(`${file}: namespaces.c.keyvalue.isolation: `)).toBe(true);
    expect(error.message).toContain("inprocess");
  });

  it("rejects an unknown isolation value", () => {
    const error = configError({ namespaces: { c: { keyvalue: { backend: "memstore", isolation: "thread" } } } });
    expect(error.field).toBe("namespaces.c.keyvalue.isolation");
    expect(error.message).toContain('got "thread"');
  });
});

describe("proxy config bindings", () => {
  it("rejects both backend and command", () => {
    const error = configError({ namespaces: { c: { keyvalue: { backend: "memstore", command: ["x"] } } } });
    expect(error.field).toBe("namespaces.c.keyvalue");
    expect(error.message).toContain(`${file}: namespaces.c.keyvalue: `);
    expect(error.message).toContain("exactly one of `backend`");
  });

  it("rejects neither backend nor command, including an empty binding", () => {
    for (const binding of [{}, null, { command: [] }]) {
      const error = configError({ namespaces: { c: { keyvalue: binding } } });
      expect(error.field).toBe("namespaces.c.keyvalue");
      expect(error.message).toContain("exactly one of");
    }
  });

  it("rejects an unknown backend naming the built-ins and where it looked for a package", () => {
    const error = configError({ namespaces: { c: { keyvalue: { backend: "mongo" } } } });
    expect(error.field).toBe("namespaces.c.keyvalue.backend");
    expect(error.message).toBe(
      `${file}: namespaces.c.keyvalue.backend: expected a built-in pattern (memstore, redis, nats), an installed pattern package ` +
        'or a module path, got "mongo" (no package "mongo" in node_modules at or above /etc/prism, nor beside the proxy; install it: npm i mongo)',
    );
    const path = configError({ namespaces: { c: { keyvalue: { backend: "./patterns/mine.js" } } } });
    expect(path.message).toContain('got "./patterns/mine.js" (no module at /etc/prism/patterns/mine.js)');
  });

  it("rejects an unknown binding field with its full path", () => {
    const error = configError({ namespaces: { c: { keyvalue: { backend: "memstore", isolaton: "process" } } } });
    expect(error.field).toBe("namespaces.c.keyvalue.isolaton");
    expect(error.message).toContain(`${file}: namespaces.c.keyvalue.isolaton: unknown field`);
    expect(error.message).toContain("isolation");
  });

  it("checks binding integer bounds with the full path", () => {
    const error = configError({ namespaces: { c: { keyvalue: { backend: "memstore", startTimeoutMs: 10 } } } });
    expect(error.message).toBe(`${file}: namespaces.c.keyvalue.startTimeoutMs: expected an integer >= 100, got 10`);
  });

  it("rejects a command that is not a list of strings", () => {
    const error = configError({ namespaces: { c: { keyvalue: { command: "node pattern.js" } } } });
    expect(error.field).toBe("namespaces.c.keyvalue.command");
  });
});

describe("proxy config namespaces", () => {
  it("accepts lowercase names with digits, '-' and '_' up to 63 characters", () => {
    const names = ["a", "0", "my-ns_1", "x".repeat(63)];
    const namespaces = Object.fromEntries(names.map((name) => [name, { keyvalue: { backend: "memstore" } }]));
    expect([...parseProxyConfig({ namespaces }, file).namespaces.keys()].sort()).toEqual([...names].sort());
  });

  it("rejects bad namespace names naming the namespace", () => {
    for (const name of ["Orders", "-a", "_a", "a.b", "a b", "x".repeat(64), "ü"]) {
      const error = configError({ namespaces: { [name]: { keyvalue: { backend: "memstore" } } } });
      expect(error.field, name).toBe(`namespaces.${name}`);
      expect(error.message, name).toContain(JSON.stringify(name));
      expect(error.message.startsWith(`${file}: `), name).toBe(true);
    }
  });

  it("rejects an unknown API key naming it and the known ones", () => {
    const error = configError({ namespaces: { a: { keyvalue: { backend: "memstore" }, pubsubb: {} } } });
    expect(error.field).toBe("namespaces.a.pubsubb");
    expect(error.message).toBe(`${file}: namespaces.a.pubsubb: unknown API (known: keyvalue, pubsub, registry; or access)`);
  });

  it("rejects a namespace without any API", () => {
    const error = configError({ namespaces: { a: {} } });
    expect(error.field).toBe("namespaces.a");
  });

  it("rejects a namespace that is not a mapping", () => {
    expect(configError({ namespaces: { a: "memstore" } }).field).toBe("namespaces.a");
    expect(configError({ namespaces: { a: ["keyvalue"] } }).field).toBe("namespaces.a");
  });

  it("rejects namespaces that are not a mapping", () => {
    const error = configError({ namespaces: ["default"] });
    expect(error.field).toBe("namespaces");
    expect(error.message).toBe(`${file}: namespaces: expected a mapping of namespace name to its APIs, got a list`);
  });
});

describe("proxy config top level", () => {
  it("accepts HOST:PORT listen addresses, including bracketed IPv6", () => {
    for (const listen of ["127.0.0.1:8980", "localhost:1", "0.0.0.0:65535", "[::1]:8980", "[::]:0"]) {
      expect(parseProxyConfig({ listen, auth: { mode: "none" } }, file).listen).toBe(listen);
    }
  });

  it("runs open (no auth block) only on a loopback address, unless auth.mode is none", () => {
    for (const listen of ["127.0.0.1:8980", "127.9.9.9:1", "localhost:1", "[::1]:8980"]) {
      expect(parseProxyConfig({ listen }, file).auth.mode, listen).toBe("");
    }
    for (const listen of ["0.0.0.0:8980", "10.0.0.5:8980", "[::]:0", "example.com:80"]) {
      const error = configError({ listen });
      expect(error.field, listen).toBe("auth");
      expect(error.message, listen).toContain(`listen ${listen} is not a loopback address and there is no auth block`);
    }
    expect(parseProxyConfig({ listen: "0.0.0.0:8980", auth: { mode: "none" } }, file).auth.mode).toBe("none");
  });

  it("requires issuer and audience with auth, refuses none and HS* algorithms, and checks principals", () => {
    expect(configError({ auth: { mode: "jwt", audience: ["prism"] } }).field).toBe("auth.issuer");
    expect(configError({ auth: { issuer: "https://id.example" } }).field).toBe("auth.audience");
    const hs = configError({ auth: { issuer: "https://id.example", audience: ["prism"], algorithms: ["RS256", "HS256"] } });
    expect(hs.field).toBe("auth.algorithms[1]");
    expect(hs.message).toContain("a public key is not a shared secret");
    expect(configError({ auth: { mode: "none", admin: ["root"] } }).field).toBe("auth.admin[0]");
    const access = configError({ namespaces: { a: { keyvalue: { backend: "memstore" }, access: { read: ["group:ops", "ops"] } } } });
    expect(access.field).toBe("namespaces.a.access.read[1]");
    const config = parseProxyConfig(
      { namespaces: { a: { keyvalue: { backend: "memstore" }, access: { read: ["any"], write: ["group:ops"], admin: ["sub:alice"] } } } },
      file,
    );
    expect(config.namespaces.get("a")?.access).toEqual({ read: ["any"], write: ["group:ops"], admin: ["sub:alice"] });
  });

  it("rejects listen values that are not HOST:PORT", () => {
    for (const listen of ["8980", "localhost", ":8980", "host:", "host:123456", "::1:8980", "a b:1", "host:port"]) {
      const error = configError({ listen });
      expect(error.field, listen).toBe("listen");
      expect(error.message, listen).toBe(`${file}: listen: expected a string of the form HOST:PORT, got ${JSON.stringify(listen)}`);
    }
  });

  it("rejects an unknown top-level field", () => {
    const error = configError({ listne: "127.0.0.1:1" });
    expect(error.field).toBe("listne");
    expect(error.message).toContain("listen");
    expect(error.message).toContain("namespaces");
  });

  it("omits the file prefix when there is no file", () => {
    const error = configError({ listen: "nope" }, { file: undefined });
    expect(error.file).toBeUndefined();
    expect(error.message.startsWith("listen: ")).toBe(true);
  });
});

describe("proxy config state file", () => {
  it("is <config name>.state.json beside the config file unless state.file says otherwise; none without a file", () => {
    expect(parseProxyConfig({}, file).stateFile).toBe("/etc/prism/prism.state.json");
    expect(parseProxyConfig({}, "/srv/gateway.yml").stateFile).toBe("/srv/gateway.state.json");
    expect(parseProxyConfig({ state: { file: "state/live.json" } }, file).stateFile).toBe("/etc/prism/state/live.json");
    expect(parseProxyConfig({ state: { file: "/var/lib/prism/state.json" } }, file).stateFile).toBe("/var/lib/prism/state.json");
    expect(parseProxyConfig({}, undefined).stateFile).toBeUndefined();
    expect(defaultProxyConfig().stateFile).toBeUndefined();
  });

  it("keeps each namespace's mapping as given", () => {
    const orders = { keyvalue: { backend: "memstore", config: { capacity: 5 } }, access: { read: ["any"] } };
    expect(parseProxyConfig({ namespaces: { orders } }, file).namespaces.get("orders")?.source).toEqual(orders);
  });

  it("refuses a state file that is the config file itself", () => {
    expect(configError({ state: { file: "prism.yaml" } }).message).toBe(
      "/etc/prism/prism.yaml: state.file: names this config file: the proxy rewrites its state file, so give it a file of its own",
    );
  });
});

describe("loadProxyConfig", () => {
  it("reads a YAML file and names it in errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "prism-proxy-config-"));
    try {
      const good = join(dir, "good.yaml");
      writeFileSync(good, "listen: 127.0.0.1:7000\nnamespaces:\n  orders:\n    keyvalue: { backend: memstore, isolation: process }\n");
      const config = loadProxyConfig(good);
      expect(config.file).toBe(good);
      expect(config.listen).toBe("127.0.0.1:7000");
      expect(config.namespaces.get("orders")?.apis.keyvalue?.isolation).toBe("process");

      const bad = join(dir, "bad.yaml");
      writeFileSync(bad, "namespaces:\n  orders:\n    keyvalue: { backend: nosuch }\n");
      expect(() => loadProxyConfig(bad)).toThrow(`${bad}: namespaces.orders.keyvalue.backend`);
      expect(() => loadProxyConfig(join(dir, "missing.yaml"))).toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
