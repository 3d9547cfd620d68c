// The release test: every public @prism package is versioned as a snapshot, packed, published to
// a local registry and installed from it into empty projects with plain npm, on Node 20, 22 and
// 24 — then used the way the README tells users to: an application on @prism/client (ESM,
// CommonJS, strict TypeScript), `npx @prism/proxy` on the zero-config default (and `npx prismctl`
// against it) and with Redis and
// NATS patterns as processes, and a third-party pattern on @prism/pattern-sdk certified with
// @prism/testkit and loaded by the proxy by package name.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { type NatsServer, type RedisServer, startNatsServer, startRedisServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRegistry, startLocalRegistry } from "./local-registry.js";
import { currentNode, type NodeRuntime, registryNode } from "./node-runtimes.js";
import { createNpmProject, type NpmProject } from "./npm-project.js";
import { type StagedRelease, stageRelease } from "./stage-release.js";
import { readTarball } from "./tarball.js";

const run = promisify(execFile);
const workspaceRoot = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const log = (line: string) => console.log(`[release-test] ${line}`);

/** Node majors Prism supports: 20 (20.19+, end of life, kept while cheap) and the LTS lines 22 and 24. */
const supportedMajors = [20, 22, 24] as const;

let work: string;
let registry: LocalRegistry;
let release: StagedRelease;
const runtimes = new Map<number, Promise<NodeRuntime>>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "prism-release-"));
  for (const major of supportedMajors) {
    runtimes.set(major, major === currentNode().major ? Promise.resolve(currentNode()) : registryNode(major));
  }
  release = await stageRelease(workspaceRoot, join(work, "stage"), log);
  registry = await startLocalRegistry(join(work, "registry"));
  for (const { name, tarball } of release.packages) {
    await registry.publish(tarball);
    log(`published ${name}@${release.version} to ${registry.url}`);
  }
});

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The installed prism-proxy executable of a project. */
const installedProxyBin = (project: NpmProject) => join(project.dir, "node_modules/@prism/proxy/dist/bin/prism-proxy.js");

describe("the tarballs", () => {
  it("hold dist, README.md, LICENSE and package.json, and never a test", () => {
    const license = readFileSync(join(workspaceRoot, "LICENSE"), "utf8");
    for (const { name, tarball } of release.packages) {
      const contents = readTarball(tarball);
      expect(contents.files, name).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE"]));
      expect(
        contents.files.some((file) => file.startsWith("dist/") && file.endsWith(".js")),
        name,
      ).toBe(true);
      expect(
        contents.files.filter((file) => /\.test\.|(^|\/)test\//.test(file)),
        name,
      ).toEqual([]);
      expect(contents.read("LICENSE"), name).toBe(license);
    }
  });

  it("import no other package's src/ or internal/ path", () => {
    for (const { name, tarball } of release.packages) {
      const contents = readTarball(tarball);
      for (const file of contents.files.filter((path) => path.startsWith("dist/") && path.endsWith(".js"))) {
        const deepImports = contents.read(file).match(/from "@prism\/[^"]*\/(src|internal)\/[^"]*"/g) ?? [];
        expect(deepImports, `${name} ${file}`).toEqual([]);
      }
    }
  });

  it("@prism/proto ships the .proto files", () => {
    const proto = release.packages.find((pkg) => pkg.name === "@prism/proto");
    const files = readTarball(proto?.tarball as string).files;
    for (const api of ["keyvalue/v1/keyvalue.proto", "pubsub/v1/pubsub.proto", "pattern/v1/lifecycle.proto", "admin/v1/admin.proto"]) {
      expect(files).toContain(`proto/prism/${api}`);
    }
  });

  it("depend on their @prism siblings at exactly the release version", () => {
    for (const { name, tarball } of release.packages) {
      const manifest = JSON.parse(readTarball(tarball).read("package.json")) as Record<string, Record<string, string> | string>;
      expect(manifest.version, name).toBe(release.version);
      for (const field of ["dependencies", "peerDependencies"]) {
        for (const [dep, spec] of Object.entries((manifest[field] as Record<string, string> | undefined) ?? {})) {
          if (dep.startsWith("@prism/")) expect(spec, `${name} ${field}.${dep}`).toBe(release.version);
        }
      }
      expect(JSON.stringify(manifest), name).not.toContain("workspace:");
    }
  });

  it("depend only on packages below them in the design's order (proto → wire → sdk → testkit → patterns → proxy; wire → client)", () => {
    const allowed: Record<string, string[]> = {
      "@prism/proto": [],
      "@prism/wire": ["@prism/proto"],
      "@prism/pattern-sdk": ["@prism/proto", "@prism/wire"],
      "@prism/testkit": ["@prism/proto", "@prism/wire", "@prism/pattern-sdk"],
      "@prism/pattern-memstore": ["@prism/pattern-sdk"],
      "@prism/pattern-redis": ["@prism/pattern-sdk"],
      "@prism/pattern-nats": ["@prism/pattern-sdk"],
      "@prism/proxy": [
        "@prism/proto",
        "@prism/wire",
        "@prism/pattern-sdk",
        "@prism/pattern-memstore",
        "@prism/pattern-redis",
        "@prism/pattern-nats",
      ],
      "@prism/client": ["@prism/proto", "@prism/wire"],
      "@prism/cli": ["@prism/client"],
    };
    expect(release.packages.map((pkg) => pkg.name).sort()).toEqual(Object.keys(allowed).sort());
    for (const { name, tarball } of release.packages) {
      const manifest = JSON.parse(readTarball(tarball).read("package.json")) as { dependencies?: Record<string, string> };
      const prismDeps = Object.keys(manifest.dependencies ?? {}).filter((dep) => dep.startsWith("@prism/"));
      expect(
        prismDeps.filter((dep) => !allowed[name]?.includes(dep)),
        name,
      ).toEqual([]);
    }
  });

  it("stay small", () => {
    const rows = release.packages.map(({ name, tarball }) => {
      const { files, packedBytes, unpackedBytes } = readTarball(tarball);
      return { name, files: files.length, packedKiB: Math.round(packedBytes / 1024), unpackedKiB: Math.round(unpackedBytes / 1024) };
    });
    console.table(rows);
    for (const row of rows) {
      expect(row.files, row.name).toBeLessThan(400); // five files per module: .js, .d.ts, their maps, and the .ts source the maps point at
      expect(row.packedKiB, row.name).toBeLessThan(256); // the proxy, with metrics, tracing, health and reflection: ~225 KiB
    }
  });

  it("are clean under publint (strict)", async () => {
    const { publint } = await import("publint");
    const { formatMessage } = await import("publint/utils");
    for (const { name, tarball } of release.packages) {
      const data = readFileSync(tarball);
      const tarballBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      const { messages, pkg } = await publint({ pack: { tarball: tarballBuffer }, strict: true });
      expect(
        messages.map((message) => formatMessage(message, pkg)),
        name,
      ).toEqual([]);
    }
  });

  it("resolve their types under node16, nodenext and bundler (are-the-types-wrong, ESM-only profile)", async () => {
    const attw = join(workspaceRoot, "release-test/node_modules/.bin/attw");
    for (const { name, tarball } of release.packages) {
      const result = await run(attw, [tarball, "--profile", "esm-only", "--format", "ascii"]).then(
        ({ stdout }) => ({ ok: true, output: stdout }),
        (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
      );
      expect(result.ok, `${name}:\n${result.output}`).toBe(true);
    }
  });
});

describe.each(supportedMajors)("installed from the registry on Node %i", (major) => {
  let runtime: NodeRuntime;
  let project: NpmProject;
  let npmOutput: string;
  let proxy: ProxyProcess;

  beforeAll(async () => {
    runtime = (await runtimes.get(major)) as NodeRuntime;
    project = createNpmProject(join(work, `node${major}`), registry.url, runtime.binary);
    log(`Node ${runtime.version}: npm i @prism/proxy @prism/client @prism/cli`);
    npmOutput = await project.install([
      `@prism/proxy@${release.version}`,
      `@prism/client@${release.version}`,
      `@prism/cli@${release.version}`,
    ]);
    project.copy(join(fixtures, "app"), ["app.mjs", "app.cjs"]);
    proxy = await startProxyProcess({ bin: installedProxyBin(project), node: runtime.binary, cwd: project.dir, noConfig: true });
  });
  afterAll(() => proxy?.stop());

  it("installs with no engine warning", () => {
    expect(npmOutput).not.toMatch(/EBADENGINE|Unsupported engine/i);
  });

  it("npx @prism/proxy --version prints the release version", async () => {
    const { stdout } = await run("npx", ["@prism/proxy", "--version"], { cwd: project.dir, env: project.env });
    expect(stdout.trim()).toBe(release.version);
  });

  it("the zero-config proxy says so and serves an .mjs app's set and get", async () => {
    expect(proxy.logs.some((record) => record.msg.includes('no --config given: serving one "default" namespace'))).toBe(true);
    const out = await project.runNode(["app.mjs", proxy.url, "default", "kv"]);
    expect(JSON.parse(out)).toEqual({ greeting: "hello from default", missing: "KeyNotFoundError" });
  });

  it("npx prismctl sets and gets a key through the installed proxy", async () => {
    const prismctl = (...args: string[]) =>
      run("npx", ["prismctl", "--url", proxy.url, "--json", ...args], { cwd: project.dir, env: project.env });
    await prismctl("kv", "set", "from-cli", "hello");
    const { stdout } = await prismctl("kv", "get", "from-cli");
    expect(JSON.parse(stdout)).toMatchObject({ key: "from-cli", value: "hello" });
  });

  it("require() of @prism/client works from CommonJS", async () => {
    const out = await project.runNode(["app.cjs", proxy.url]);
    expect(JSON.parse(out.trim().split("\n").pop() as string)).toEqual({ value: "required" });
  });
});

describe("an application in strict TypeScript", () => {
  it("type-checks against the published types (module nodenext)", async () => {
    const project = createNpmProject(join(work, "typescript"), registry.url, process.execPath);
    await project.install([`@prism/client@${release.version}`]);
    project.copy(join(fixtures, "app"), ["app.ts", "tsconfig.json"]);
    const tsc = join(workspaceRoot, "node_modules/.bin/tsc");
    const result = await run(tsc, ["-p", "tsconfig.json"], { cwd: project.dir }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  });
});

describe("prism.yaml with Redis and NATS namespaces as processes", () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let project: NpmProject;
  let proxy: ProxyProcess;

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedisServer(), startNatsServer()]);
    project = createNpmProject(join(work, "backends"), registry.url, process.execPath);
    await project.install([`@prism/proxy@${release.version}`, `@prism/client@${release.version}`]);
    project.copy(join(fixtures, "app"), ["app.mjs"]);
    proxy = await startProxyProcess({
      bin: installedProxyBin(project),
      cwd: project.dir,
      configDir: project.dir,
      config: {
        namespaces: {
          cache: { keyvalue: { backend: "redis", isolation: "process", config: { url: redis.url } } },
          events: { pubsub: { backend: "nats", isolation: "process", config: { url: `nats://127.0.0.1:${nats.port}` } } },
        },
      },
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it("runs the pattern executables from the project's node_modules", () => {
    const starts = proxy.logs.filter((record) => record.msg.startsWith("starting pattern")).map((record) => record.msg);
    expect(starts).toEqual(
      expect.arrayContaining([
        expect.stringContaining(join(project.dir, "node_modules/@prism/pattern-redis/dist/bin/prism-pattern-redis.js")),
        expect.stringContaining(join(project.dir, "node_modules/@prism/pattern-nats/dist/bin/prism-pattern-nats.js")),
      ]),
    );
  });

  it("serves KeyValue on Redis and PubSub on NATS to the app", async () => {
    expect(JSON.parse(await project.runNode(["app.mjs", proxy.url, "cache", "kv"]))).toEqual({
      greeting: "hello from cache",
      missing: "KeyNotFoundError",
    });
    expect(JSON.parse(await project.runNode(["app.mjs", proxy.url, "events", "pubsub"]))).toEqual({ received: "order in events" });
  });

  it("reports the release version of each pattern", () => {
    const serving = proxy.logs.filter((record) => record.msg.includes(" is serving "));
    expect(serving.map((record) => record.patternVersion)).toEqual([release.version, release.version]);
  });
});

describe("a custom pattern on @prism/pattern-sdk", () => {
  let pattern: NpmProject;

  beforeAll(async () => {
    pattern = createNpmProject(join(work, "pattern"), registry.url, process.execPath, "@acme/prism-pattern-notes");
    await pattern.install([`@prism/pattern-sdk@${release.version}`, `@prism/testkit@${release.version}`, "vitest@^4.1.0"]);
    pattern.copy(join(fixtures, "pattern"), ["package.json", "notes-pattern.js", "notes-pattern.test.js"]);
  });

  it("is certified by the KeyValue acceptance suite of @prism/testkit", async () => {
    const { stdout } = await run(process.execPath, ["node_modules/vitest/vitest.mjs", "run"], {
      cwd: pattern.dir,
      env: { ...pattern.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/Tests\s+\S*\s*\d+ passed/);
    expect(stdout).not.toMatch(/failed/);
  });

  it("is loaded by the proxy by package name, in-process and as a process", async () => {
    const app = createNpmProject(join(work, "uses-notes"), registry.url, process.execPath);
    await app.install([`@prism/proxy@${release.version}`, `@prism/client@${release.version}`, "../pattern"]);
    app.copy(join(fixtures, "app"), ["app.mjs"]);
    const proxy = await startProxyProcess({
      bin: installedProxyBin(app),
      cwd: app.dir,
      configDir: app.dir,
      config: {
        namespaces: {
          notes: { keyvalue: { backend: "@acme/prism-pattern-notes" } },
          isolated: { keyvalue: { backend: "@acme/prism-pattern-notes", isolation: "process" } },
        },
      },
    });
    try {
      for (const namespace of ["notes", "isolated"]) {
        const out = JSON.parse(await app.runNode(["app.mjs", proxy.url, namespace, "kv"]));
        expect(out).toEqual({ greeting: `hello from ${namespace}`, missing: "KeyNotFoundError" });
      }
      expect(proxy.logs.map((record) => record.msg)).toEqual(expect.arrayContaining(['namespace "notes" keyvalue → notes (inprocess)']));
    } finally {
      await proxy.stop();
    }
  });
});
