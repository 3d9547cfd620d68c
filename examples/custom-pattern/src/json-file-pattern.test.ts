// Tests of the json-file example pattern: directly through its definition (set/get/scan/TTL,
// persistence across instances), and as a real process serving KeyValueService over gRPC to @prism/client.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createPrismClient, KeyNotFoundError } from "@prism/client";
import { Code, type KeyValueBackend } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonFilePattern } from "./json-file-pattern.js";

const bin = fileURLToPath(new URL("../dist/json-file-pattern.js", import.meta.url));
const text = (value: string) => new TextEncoder().encode(value);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "prism-json-file-"));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** Creates the pattern's KeyValue backend over `path`, as the SDK would after validating config. */
async function open(path: string): Promise<KeyValueBackend> {
  const context = { namespace: "t", logger: createLogger({ write: () => {} }) };
  const instance = await jsonFilePattern.create(parseConfig(jsonFilePattern.config, { path }), context);
  if (!instance.keyvalue) throw new Error("json-file pattern serves no keyvalue");
  return instance.keyvalue;
}

describe("jsonFilePattern (direct)", () => {
  it("defaults path to prism-data.json and rejects unknown fields", () => {
    expect(parseConfig(jsonFilePattern.config, {})).toEqual({ path: "prism-data.json" });
    expect(() => parseConfig(jsonFilePattern.config, { file: "x.json" })).toThrow(/file/);
  });

  it("sets, gets, deletes and checks keys, starting empty when the file is missing", async () => {
    const kv = await open(join(dir, "data.json"));
    expect(await kv.get("a")).toBeUndefined();
    await kv.set("a", text("one"), 0);
    expect(await kv.get("a")).toEqual(text("one"));
    expect(await kv.exists("a")).toBe(true);
    await kv.set("a", text("two"), 0);
    expect(await kv.get("a")).toEqual(text("two"));
    expect(await kv.delete("a")).toBe(true);
    expect(await kv.delete("a")).toBe(false);
    expect(await kv.exists("a")).toBe(false);
  });

  it("scans a literal prefix in sorted key order, page by page", async () => {
    const kv = await open(join(dir, "data.json"));
    for (const key of ["user:3", "user:1", "user*", "user:2", "other", "user:10"]) await kv.set(key, text(key), 0);
    const keys: string[] = [];
    let cursor = "";
    do {
      const page = await kv.scan({ prefix: "user:", cursor, limit: 2, includeValues: true });
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const item of page.items) {
        expect(item.value).toEqual(text(item.key));
        keys.push(item.key);
      }
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(keys).toEqual(["user:1", "user:10", "user:2", "user:3"]);
    expect((await kv.scan({ prefix: "user*", cursor: "", limit: 10, includeValues: false })).items).toEqual([
      { key: "user*", value: new Uint8Array() },
    ]);
    const foreign = (async () => kv.scan({ prefix: "", cursor: "not-ours", limit: 10, includeValues: false }))();
    await expect(foreign).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("expires keys after their TTL, also across a reload", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const path = join(dir, "data.json");
    const kv = await open(path);
    await kv.set("short", text("s"), 1000);
    await kv.set("long", text("l"), 60_000);
    expect(await kv.get("short")).toEqual(text("s"));
    vi.setSystemTime(Date.now() + 1001);
    expect(await kv.get("short")).toBeUndefined();
    expect(await kv.exists("short")).toBe(false);
    expect((await kv.scan({ prefix: "", cursor: "", limit: 10, includeValues: false })).items.map((i) => i.key)).toEqual(["long"]);
    const reloaded = await open(path);
    expect(await reloaded.get("long")).toEqual(text("l"));
    vi.setSystemTime(Date.now() + 60_000);
    expect(await reloaded.get("long")).toBeUndefined();
  });

  it("persists every write to the file, for the next instance over the same file", async () => {
    const path = join(dir, "data.json");
    const first = await open(path);
    await first.set("k1", new Uint8Array([0, 255, 1]), 0);
    await first.set("k2", text("v2"), 0);
    const stored = JSON.parse(readFileSync(path, "utf8")) as Record<string, { value: string }>;
    expect(stored.k1?.value).toBe(Buffer.from([0, 255, 1]).toString("base64"));
    expect(readdirSync(dir)).toEqual(["data.json"]); // no temp file left behind

    const second = await open(path);
    expect(await second.get("k1")).toEqual(new Uint8Array([0, 255, 1]));
    expect(await second.delete("k2")).toBe(true);
    const third = await open(path);
    expect(await third.exists("k2")).toBe(false);
    expect(await third.get("k1")).toEqual(new Uint8Array([0, 255, 1]));
  });

  it("reports HEALTHY with the path and the number of keys", async () => {
    const path = join(dir, "data.json");
    const instance = await jsonFilePattern.create(parseConfig(jsonFilePattern.config, { path }), {
      namespace: "t",
      logger: createLogger({ write: () => {} }),
    });
    await instance.keyvalue?.set("a", text("1"), 0);
    expect(await instance.health?.()).toEqual({ status: "HEALTHY", details: { path, keys: 1 } });
  });
});

/** One JSON log line of the pattern, or undefined for anything else on stderr. */
function parseLogLine(line: string): { msg?: string; address?: string } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; address?: string };
  } catch {
    return undefined;
  }
}

/** Whether a process with this id still exists (signal 0 only checks). */
function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("json-file-pattern (process)", () => {
  let child: ChildProcessByStdio<null, null, Readable> | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  it("serves KeyValueService over gRPC and exits 0 on SIGTERM", async () => {
    expect(existsSync(bin), `${bin} is missing: run "pnpm build" in examples/custom-pattern first`).toBe(true);
    const dataPath = join(dir, "notes.json");
    const configPath = join(dir, "pattern.yaml");
    writeFileSync(configPath, `path: ${JSON.stringify(dataPath)}\n`);

    const proc = spawn(process.execPath, [bin, "--port", "0", "--config", configPath], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = proc;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const address = await new Promise<string>((resolve, reject) => {
      const seen: string[] = [];
      createInterface({ input: proc.stderr }).on("line", (line) => {
        seen.push(line);
        const record = parseLogLine(line);
        if (record?.msg?.includes("listening on") && record.address) resolve(record.address);
      });
      void exited.then(({ code }) => reject(new Error(`pattern exited (${code}) before listening:\n${seen.join("\n")}`)));
    });
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);

    // The pattern speaks the same KeyValueService as the proxy, so the application client talks to it directly.
    const prism = createPrismClient({ url: `http://${address}`, timeoutMs: 5000 });
    await prism.kv.set("greeting", "hello");
    expect(await prism.kv.getString("greeting")).toBe("hello");
    const missing = prism.kv.get("nope");
    await expect(missing).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(missing).rejects.toMatchObject({ code: Code.NotFound });

    proc.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(isRunning(proc.pid)).toBe(false);
    const stored = JSON.parse(readFileSync(dataPath, "utf8")) as Record<string, { value: string }>;
    expect(Buffer.from(stored.greeting?.value ?? "", "base64").toString()).toBe("hello");
  });
});
