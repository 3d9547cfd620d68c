// End to end: GET /metrics of the real prism-proxy after calls over gRPC and Connect, to an
// in-process and a process pattern: per-call counters by code, latency buckets, in-flight streams,
// pattern health, restarts and process usage, PubSub and registry counters, the proxy's own
// connections and Node's event-loop lag; labels stay bounded; a separate listener; metrics off.
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createPrismClient, KeyNotFoundError } from "@prism/client";
import { Health, HealthCheckResponse_ServingStatus } from "@prism/proto/grpc/health/v1";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

const memstore = { backend: "memstore" };
const namespaces = {
  default: { keyvalue: memstore, pubsub: memstore, registry: memstore },
  proc: {
    keyvalue: { backend: "memstore", isolation: "process", healthIntervalMs: 200 },
    pubsub: { backend: "memstore", isolation: "process", healthIntervalMs: 200 },
  },
};

/** One sample of the Prometheus text: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format's sample lines. */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels include `labels` (undefined when none). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((each) => each.name === name && Object.entries(labels).every(([key, value]) => each.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(url: string): Promise<{ status: number; type: string | null; samples: Sample[] }> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type"), samples: response.ok ? parseSamples(text) : [] };
}

describe("GET /metrics on the proxy's port", () => {
  let proxy: ProxyProcess;
  beforeAll(async () => {
    proxy = await startProxyProcess({ config: { namespaces } });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it("counts calls by namespace, API, method and code over gRPC and Connect, with latency buckets from 50 µs", async () => {
    for (const [namespace, protocol] of [
      ["default", "grpc"],
      ["proc", "grpc"],
      ["default", "connect"],
    ] as const) {
      const client = createPrismClient({ url: proxy.url, namespace, protocol });
      await client.kv.set(`k-${protocol}`, "v");
      await client.kv.set(`k2-${protocol}`, "v");
      await expect(client.kv.get("missing")).rejects.toBeInstanceOf(KeyNotFoundError);
    }
    const { status, type, samples } = await scrape(proxy.url);
    expect(status).toBe(200);
    expect(type).toContain("text/plain");
    const requests = (namespace: string, method: string, code: string) =>
      sampleValue(samples, "prism_requests_total", { namespace, api: "keyvalue", method, code });
    // gRPC and Connect calls to default add up: 2 + 2 sets, 1 + 1 missing gets.
    expect(requests("default", "Set", "OK")).toBe(4);
    expect(requests("default", "Get", "NOT_FOUND")).toBe(2);
    expect(requests("proc", "Set", "OK")).toBe(2);
    expect(requests("proc", "Get", "NOT_FOUND")).toBe(1);
    const bucket = (le: string) =>
      sampleValue(samples, "prism_request_duration_seconds_bucket", { namespace: "proc", api: "keyvalue", method: "Set", le });
    expect(bucket("0.00005")).toBeGreaterThanOrEqual(0);
    expect(bucket("10")).toBe(2);
    expect(sampleValue(samples, "prism_request_duration_seconds_count", { namespace: "proc", method: "Set" })).toBe(2);
  });

  it("keeps labels bounded: an unknown namespace or method is counted under empty labels, never its own", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "no-such-namespace" });
    await expect(client.kv.get("x")).rejects.toThrow(/no-such-namespace/);
    const { samples } = await scrape(proxy.url);
    expect(samples.some((each) => Object.values(each.labels).includes("no-such-namespace"))).toBe(false);
    expect(sampleValue(samples, "prism_requests_total", { namespace: "", method: "", code: "NOT_FOUND" })).toBeGreaterThanOrEqual(1);
  });

  it('labels calls of the proxy\'s own services (health, admin) with namespace=""', async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: proxy.url }));
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    await createPrismClient({ url: proxy.url }).admin.listNamespaces();
    const { samples } = await scrape(proxy.url);
    expect(sampleValue(samples, "prism_requests_total", { namespace: "", api: "health", method: "Check", code: "OK" })).toBe(1);
    expect(sampleValue(samples, "prism_requests_total", { namespace: "", api: "admin", code: "OK" })).toBe(1);
  });

  it("drops the series of a namespace deleted through the admin API", async () => {
    const admin = createPrismClient({ url: proxy.url }).admin;
    await admin.createNamespace("short-lived", { keyvalue: { backend: "memstore" } });
    await createPrismClient({ url: proxy.url, namespace: "short-lived" }).kv.set("k", "v");
    const labels = { namespace: "short-lived", method: "Set", code: "OK" };
    expect(sampleValue((await scrape(proxy.url)).samples, "prism_requests_total", labels)).toBe(1);
    await admin.deleteNamespace("short-lived");
    const { samples } = await scrape(proxy.url);
    expect(samples.some((each) => each.labels.namespace === "short-lived")).toBe(false);
  });

  it("shows open subscriptions in flight, deliveries and subscriptions per pattern", async () => {
    for (const namespace of ["default", "proc"]) {
      const client = createPrismClient({ url: proxy.url, namespace });
      const controller = new AbortController();
      const subscription = client.pubsub.subscribe("metrics.topic", { signal: controller.signal });
      await subscription.ready;
      const received: string[] = [];
      const reading = (async () => {
        for await (const message of subscription) {
          received.push(message.text());
          if (received.length === 3) break;
        }
      })();
      for (const text of ["a", "b", "c"]) await client.pubsub.publish("metrics.topic", text);
      await reading;
      await vi.waitFor(
        async () => {
          const { samples } = await scrape(proxy.url);
          const labels = { namespace, api: "pubsub" };
          expect(sampleValue(samples, "prism_pubsub_delivered_total", labels)).toBeGreaterThanOrEqual(3);
          expect(sampleValue(samples, "prism_pubsub_redelivered_total", labels)).toBe(0);
        },
        { timeout: 10_000, interval: 200 },
      );
      controller.abort();
    }
    const client = createPrismClient({ url: proxy.url });
    const controller = new AbortController();
    const open = client.pubsub.subscribe("metrics.open", { signal: controller.signal });
    await open.ready;
    const { samples } = await scrape(proxy.url);
    expect(sampleValue(samples, "prism_requests_in_flight", { namespace: "default", method: "Subscribe" })).toBe(1);
    expect(sampleValue(samples, "prism_pubsub_subscriptions", { namespace: "default" })).toBe(1);
    expect(sampleValue(samples, "prism_proxy_streams")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, "prism_proxy_connections")).toBeGreaterThanOrEqual(1);
    controller.abort();
  });

  it("reports pattern health, restarts and the pattern process's memory and CPU", async () => {
    const { samples } = await scrape(proxy.url);
    const proc = { namespace: "proc", api: "keyvalue" };
    expect(sampleValue(samples, "prism_pattern_health", { ...proc, state: "HEALTHY" })).toBe(1);
    expect(sampleValue(samples, "prism_pattern_health", { ...proc, state: "UNHEALTHY" })).toBe(0);
    expect(sampleValue(samples, "prism_pattern_restarts_total", proc)).toBe(0);
    expect(sampleValue(samples, "prism_pattern_process_resident_memory_bytes", proc)).toBeGreaterThan(1_000_000);
    expect(sampleValue(samples, "prism_pattern_process_cpu_seconds_total", proc)).toBeGreaterThan(0);
    // An in-process pattern has no process of its own.
    expect(sampleValue(samples, "prism_pattern_process_resident_memory_bytes", { namespace: "default", api: "keyvalue" })).toBeUndefined();
    expect(sampleValue(samples, "prism_pattern_health", { namespace: "default", api: "keyvalue", state: "HEALTHY" })).toBe(1);
  });

  it("counts registry identities and multicast outcomes", async () => {
    const client = createPrismClient({ url: proxy.url });
    await client.registry.register("metrics-device", { kind: "sensor" }, { ttlMs: 30_000, keepAlive: false });
    const result = await client.registry.multicast({ kind: "sensor" }, "ping", { timeoutMs: 500 });
    expect(result.statuses.map((each) => each.status)).toEqual(["NOT_LISTENING"]);
    const { samples } = await scrape(proxy.url);
    const labels = { namespace: "default", api: "registry" };
    expect(sampleValue(samples, "prism_registry_identities", labels)).toBe(1);
    expect(sampleValue(samples, "prism_registry_multicast_deliveries_total", { ...labels, status: "not_listening" })).toBe(1);
    expect(sampleValue(samples, "prism_registry_multicast_deliveries_total", { ...labels, status: "delivered" })).toBe(0);
  });

  it("exports Node's event-loop lag and heap", async () => {
    const { samples } = await scrape(proxy.url);
    expect(sampleValue(samples, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });
});

describe("metrics config", () => {
  it("serves metrics on a listener of their own when metrics.listen is set, and not on the API port", async () => {
    const proxy = await startProxyProcess({ config: { metrics: { listen: "127.0.0.1:0", path: "/prom" } } });
    try {
      const logged = await proxy.waitForLog((record) => typeof record.metrics === "string");
      const where = `http://${logged.metrics as string}`;
      const response = await fetch(where);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("prism_requests_total");
      expect((await fetch(`${proxy.url}/prom`)).status).not.toBe(200);
      expect((await fetch(`${proxy.url}/metrics`)).status).not.toBe(200);
    } finally {
      await proxy.stop();
    }
  });

  it("records and serves nothing with metrics.enabled false", async () => {
    const proxy = await startProxyProcess({ config: { metrics: { enabled: false } } });
    try {
      expect((await fetch(`${proxy.url}/metrics`)).status).not.toBe(200);
      expect(proxy.logs.some((record) => record.metrics !== undefined)).toBe(false);
    } finally {
      await proxy.stop();
    }
  });
});
