// End to end: the real prism-proxy executable, real pattern processes, driven by @prism/client.
// The same cases run against memstore in-process, memstore as a process, and the custom example pattern.
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { InvalidArgumentError, KeyNotFoundError, NamespaceNotFoundError, createPrismClient, type PrismClient } from "@prism/client";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { Code, ConnectError } from "@connectrpc/connect";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

const customPatternBin = fileURLToPath(new URL("../../../examples/custom-pattern/dist/json-file-pattern.js", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "prism-e2e-"));

const limits = { maxKeyBytes: 64, maxValueBytes: 1024, defaultScanLimit: 100, maxScanLimit: 1000 };
const namespaces = {
  default: { keyvalue: { backend: "memstore", config: { limits } } },
  proc: { keyvalue: { backend: "memstore", isolation: "process", config: { limits } } },
  custom: { keyvalue: { command: [process.execPath, customPatternBin], config: { path: join(dataDir, "custom.json"), limits } } },
};

let proxy: ProxyProcess;

beforeAll(async () => {
  proxy = await startProxyProcess({ config: { namespaces } });
});

afterAll(async () => {
  await proxy?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.each([
  ["memstore inprocess", "default"],
  ["memstore process", "proc"],
  ["custom example pattern (command)", "custom"],
])("KeyValue through the proxy: %s", (_label, namespace) => {
  let client: PrismClient;
  beforeAll(() => {
    client = createPrismClient({ url: proxy.url, namespace });
  });

  it("sets, gets, checks and deletes a key", async () => {
    await client.kv.set("greeting", "hello");
    expect(await client.kv.getString("greeting")).toBe("hello");
    expect(await client.kv.exists("greeting")).toBe(true);
    expect(await client.kv.delete("greeting")).toBe(true);
    expect(await client.kv.exists("greeting")).toBe(false);
    expect(await client.kv.delete("greeting")).toBe(false);
  });

  it("round-trips binary values", async () => {
    const value = Uint8Array.from({ length: 256 }, (_, i) => i);
    await client.kv.set("bytes", value);
    expect(await client.kv.get("bytes")).toEqual(value);
  });

  it("throws KeyNotFoundError for a missing key", async () => {
    const error = await client.kv.get("missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyNotFoundError);
    expect((error as KeyNotFoundError).code).toBe(Code.NotFound);
    expect((error as Error).message).toContain("missing");
  });

  it("scans exactly the user: keys across several pages", async () => {
    const expected: string[] = [];
    for (let i = 0; i < 23; i++) {
      const key = `user:${String(i).padStart(2, "0")}`;
      expected.push(key);
      await client.kv.set(key, `u${i}`);
    }
    await client.kv.set("users", "not a user: key");
    await client.kv.set("order:1", "x");
    await client.kv.set("user", "no colon");
    const seen: string[] = [];
    for await (const item of client.kv.scan("user:", { pageSize: 5 })) seen.push(item.key);
    expect(seen.sort()).toEqual(expected);
  });

  it("expires a key after its TTL", async () => {
    await client.kv.set("short-lived", "x", { ttlMs: 300 });
    await client.kv.set("long-lived", "y", { ttlMs: 600_000 });
    await vi.waitFor(async () => expect(await client.kv.exists("short-lived")).toBe(false), { timeout: 10_000, interval: 25 });
    await expect(client.kv.get("short-lived")).rejects.toBeInstanceOf(KeyNotFoundError);
    expect(await client.kv.getString("long-lived")).toBe("y");
  });

  it("rejects bad input with INVALID_ARGUMENT and says what was wrong", async () => {
    const empty = await client.kv.set("", "x").catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(InvalidArgumentError);
    expect((empty as Error).message).toMatch(/key is empty/);

    const longKey = await client.kv.set("k".repeat(65), "x").catch((e: unknown) => e);
    expect(longKey).toBeInstanceOf(InvalidArgumentError);
    expect((longKey as Error).message).toMatch(/65 bytes; the limit is 64 bytes \(limits\.maxKeyBytes\)/);

    const bigValue = await client.kv.set("big", new Uint8Array(1025)).catch((e: unknown) => e);
    expect(bigValue).toBeInstanceOf(InvalidArgumentError);
    expect((bigValue as Error).message).toMatch(/1025 bytes; the limit is 1024 bytes \(limits\.maxValueBytes\)/);
  });

  it("rejects a malformed scan cursor with INVALID_ARGUMENT", async () => {
    const raw = createClient(KeyValueService, createGrpcTransport({ baseUrl: proxy.url }));
    const error = await raw
      .scan({ prefix: "user:", cursor: "not-a-cursor!" }, { headers: { "prism-namespace": namespace } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(/malformed scan cursor/);
  });
});

describe("routing", () => {
  it("answers NOT_FOUND naming an unknown namespace", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "nope" });
    const error = await client.kv.get("a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NamespaceNotFoundError);
    expect((error as NamespaceNotFoundError).code).toBe(Code.NotFound);
    expect((error as Error).message).toContain('"nope"');
  });

  it("keeps namespaces apart", async () => {
    const a = createPrismClient({ url: proxy.url, namespace: "default" });
    const b = createPrismClient({ url: proxy.url, namespace: "proc" });
    await a.kv.set("only-in-default", "1");
    expect(await b.kv.exists("only-in-default")).toBe(false);
  });

  it.each(["connect", "grpc-web"] as const)("serves the %s protocol over HTTP/1.1 too", async (protocol) => {
    const client = createPrismClient({ url: proxy.url, namespace: "proc", protocol, httpVersion: "1.1" });
    await client.kv.set("via", protocol);
    expect(await client.kv.getString("via")).toBe(protocol);
    await expect(client.kv.get("absent")).rejects.toBeInstanceOf(KeyNotFoundError);
  });
});
