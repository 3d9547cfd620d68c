// End to end: a plain gRPC client that has only the .proto files (buf curl) can call every
// KeyValueService RPC through the proxy, in-process and process patterns alike.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buf = `${root}node_modules/.bin/buf`;

let proxy: ProxyProcess;
beforeAll(async () => {
  proxy = await startProxyProcess({
    config: {
      namespaces: {
        default: { keyvalue: { backend: "memstore" } },
        proc: { keyvalue: { backend: "memstore", isolation: "process" } },
      },
    },
  });
});
afterAll(() => proxy?.stop());

function curl(namespace: string, method: string, body: unknown): { status: number | null; json: Record<string, unknown> } {
  const result = spawnSync(
    buf,
    [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--schema",
      `${root}proto`,
      "-H",
      `prism-namespace: ${namespace}`,
      "-d",
      JSON.stringify(body),
      `${proxy.url}/prism.keyvalue.v1.KeyValueService/${method}`,
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  const text = result.stdout.trim() || result.stderr.trim();
  return { status: result.status, json: JSON.parse(text) as Record<string, unknown> };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe.each(["default", "proc"])("buf curl --protocol grpc, namespace %s", (namespace) => {
  it("calls every KeyValueService RPC", () => {
    expect(curl(namespace, "Set", { key: "tool:a", value: b64("A") }).json).toEqual({});
    expect(curl(namespace, "Get", { key: "tool:a" }).json).toEqual({ value: b64("A") });
    expect(curl(namespace, "Exists", { key: "tool:a" }).json).toEqual({ exists: true });
    expect(
      curl(namespace, "BatchSet", {
        entries: [
          { key: "tool:b", value: b64("B") },
          { key: "tool:c", value: b64("C"), ttlMs: "60000" },
        ],
      }).json,
    ).toEqual({ count: 2 });
    expect(curl(namespace, "BatchGet", { keys: ["tool:b", "tool:zz", "tool:c"] }).json).toEqual({
      results: [{ key: "tool:b", found: true, value: b64("B") }, { key: "tool:zz" }, { key: "tool:c", found: true, value: b64("C") }],
    });
    const scan = curl(namespace, "Scan", { prefix: "tool:", limit: 2 }).json;
    expect(scan.items).toEqual([{ key: "tool:a" }, { key: "tool:b" }]);
    expect(typeof scan.nextCursor).toBe("string");
    expect(curl(namespace, "Scan", { prefix: "tool:", cursor: scan.nextCursor, includeValues: true }).json).toEqual({
      items: [{ key: "tool:c", value: b64("C") }],
    });
    expect(curl(namespace, "BatchDelete", { keys: ["tool:b", "tool:zz"] }).json).toEqual({ deleted: [true, false] });
    expect(curl(namespace, "Delete", { key: "tool:a" }).json).toEqual({ deleted: true });
    const missing = curl(namespace, "Get", { key: "tool:a" });
    expect(missing.status).not.toBe(0);
    expect(missing.json).toEqual({ code: "not_found", message: 'key "tool:a" not found' });
  });
});
