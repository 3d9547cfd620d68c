// End to end: proxies that serve as one through a NATS JetStream KV bucket of namespaces
// (configSource.nats). A namespace created through one proxy serves on the other; a delete
// reaches both; both report the same revision (/healthz, /metrics); a proxy restarted while NATS
// is down serves its snapshot and catches up when NATS is back; without a snapshot it fails clearly.
import { createPrismClient, NamespaceNotFoundError } from "@prism/client";
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let nats: NatsServer;
let a: ProxyProcess;
let b: ProxyProcess;
const dirA = mkdtempSync(join(tmpdir(), "prism-shared-a-"));
const dirB = mkdtempSync(join(tmpdir(), "prism-shared-b-"));
const config = () => ({
  configSource: { nats: { servers: [nats.url], bucket: "test-namespaces", connectTimeoutMs: 1500 } },
  namespaces: { default: { keyvalue: { backend: "memstore" } } },
});

/** The config revision a proxy reports on /healthz. */
async function revisionOf(proxy: ProxyProcess): Promise<number> {
  const body = (await (await fetch(`${proxy.url}/healthz`)).json()) as { config: { revision: number } };
  return body.config.revision;
}

beforeAll(async () => {
  nats = await startNatsServer();
  a = await startProxyProcess({ config: config(), configDir: dirA });
  b = await startProxyProcess({ config: config(), configDir: dirB });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await nats?.stop();
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
});

describe("namespaces on a NATS bucket", () => {
  it("seeds the bucket from prism.yaml and serves it on both proxies", async () => {
    expect(a.logs.some((record) => record.msg.startsWith("seeded 1 namespace(s)"))).toBe(true);
    for (const proxy of [a, b]) {
      const client = createPrismClient({ url: proxy.url });
      await client.kv.set("k", "v");
      expect(await client.kv.getString("k")).toBe("v");
    }
  });

  it("serves a namespace created through one proxy on the other, and a delete through the other reaches both", async () => {
    await createPrismClient({ url: a.url }).admin.createNamespace("orders", { keyvalue: { backend: "memstore" } });
    const onB = createPrismClient({ url: b.url, namespace: "orders" });
    await vi.waitFor(() => onB.kv.set("order:1", "paid"), { timeout: 5000, interval: 50 });
    expect(await onB.kv.getString("order:1")).toBe("paid");
    await vi.waitFor(async () => expect(await revisionOf(b)).toBe(await revisionOf(a)), { timeout: 5000, interval: 50 });
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toContain(`prism_config_revision ${await revisionOf(b)}`);
    expect(metrics).toContain("prism_config_source_connected 1");

    await createPrismClient({ url: b.url }).admin.deleteNamespace("orders");
    const onA = createPrismClient({ url: a.url, namespace: "orders" });
    await vi.waitFor(() => expect(onA.kv.get("order:1")).rejects.toBeInstanceOf(NamespaceNotFoundError), { timeout: 5000, interval: 50 });
  });

  it("refuses an invalid namespace before it reaches the bucket", async () => {
    const error = await createPrismClient({ url: a.url })
      .admin.createNamespace("bad", { keyvalue: { backend: "nope" } })
      .catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/backend/);
    expect((await createPrismClient({ url: b.url }).admin.listNamespaces()).map((each) => each.name)).toEqual(["default"]);
  });

  it("keeps a 0600 snapshot, serves it when NATS is down at start, and catches up once NATS is back", async () => {
    await createPrismClient({ url: a.url }).admin.createNamespace("cache", { keyvalue: { backend: "memstore" } });
    const snapshot = join(dirA, "prism.snapshot.json");
    await vi.waitFor(() => expect(statSync(snapshot).mode & 0o777).toBe(0o600), { timeout: 5000 });
    await a.stop();
    await nats.kill();
    a = await startProxyProcess({ config: config(), configDir: dirA });
    expect(a.logs.some((record) => record.msg.startsWith("NATS is unreachable: serving the namespaces of the snapshot"))).toBe(true);
    await createPrismClient({ url: a.url, namespace: "cache" }).kv.set("x", "1");
    const health = (await (await fetch(`${a.url}/healthz`)).json()) as { config: { from: string; connected: boolean } };
    expect(health.config).toMatchObject({ from: "snapshot", connected: false });

    await nats.restart();
    await a.waitForLog((record) => record.msg.startsWith("NATS answered"), 20_000);
    // b lost NATS too: its admin writes are UNAVAILABLE until its connection is back.
    await vi.waitFor(() => createPrismClient({ url: b.url }).admin.createNamespace("after", { keyvalue: { backend: "memstore" } }), {
      timeout: 20_000,
      interval: 250,
    });
    await vi.waitFor(() => createPrismClient({ url: a.url, namespace: "after" }).kv.set("y", "2"), { timeout: 5000, interval: 50 });
  });

  it("fails clearly when NATS is down at start and there is no snapshot", async () => {
    await nats.kill();
    const dir = mkdtempSync(join(tmpdir(), "prism-shared-c-"));
    try {
      const error = await startProxyProcess({ config: config(), configDir: dir }).catch((caught: unknown) => caught);
      expect(String(error)).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+ within 1500 ms to read the namespaces/);
      expect(String(error)).toContain("there is no snapshot to start with");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await nats.restart();
    }
  });
});
