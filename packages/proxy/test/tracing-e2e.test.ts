// End to end: one trace from @prism/client through the real prism-proxy to the pattern, on every
// path (in-process pattern, process pattern over the framed hop and over HTTP/2, gRPC and Connect).
// The client's spans go to an in-memory exporter in this process; the proxy and its pattern
// processes export over OTLP/HTTP (tracing.otlpEndpoint) to a receiver this test runs. Every
// pattern span's parent is the proxy's span, whose parent is the client's span.
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { createPrismClient, KeyNotFoundError } from "@prism/client";
import { startTracing, type Tracing } from "@prism/pattern-sdk/tracing";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

/** A span as OTLP/JSON carries it, with the service that sent it. */
interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** Collects the spans of OTLP/HTTP JSON exports. */
function startReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: Omit<ReceivedSpan, "service" | "attributes">[] & { attributes: { key: string; value: unknown }[] }[] }[];
        }[];
      };
      for (const resourceSpans of body.resourceSpans) {
        const service = resourceSpans.resource.attributes.find((each) => each.key === "service.name")?.value.stringValue ?? "";
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans as unknown as (ReceivedSpan & { attributes: { key: string; value: unknown }[] })[]) {
            const attributes = Object.fromEntries(span.attributes.map((each) => [each.key, Object.values(each.value as object)[0]]));
            spans.push({ ...span, service, attributes, parentSpanId: span.parentSpanId ?? "" });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans }));
  });
}

/** The two spans (proxy, pattern) of trace `traceId` the receiver got, once both arrived. */
function receivedSpansOf(traceId: string): Promise<ReceivedSpan[]> {
  return vi.waitFor(
    () => {
      const found = receiver.spans.filter((span) => span.traceId === traceId);
      expect(found).toHaveLength(2);
      return found;
    },
    { timeout: 15_000, interval: 100 },
  );
}

const clientSpans = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let proxy: ProxyProcess;

beforeAll(async () => {
  tracing = await startTracing({ serviceName: "test-app", exporter: clientSpans });
  receiver = await startReceiver();
  const memstore = { backend: "memstore" };
  proxy = await startProxyProcess({
    // Batches leave every 100 ms instead of every 5 s (the standard variable, read by the proxy and its patterns).
    env: { OTEL_BSP_SCHEDULE_DELAY: "100" },
    config: {
      tracing: { otlpEndpoint: receiver.url },
      namespaces: {
        default: { keyvalue: memstore },
        framed: { keyvalue: { ...memstore, isolation: "process" } },
        http2: { keyvalue: { ...memstore, isolation: "process", processHop: "http2" } },
      },
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await tracing?.shutdown();
  receiver?.server.close();
});

describe.each([
  ["in-process pattern", "default", "grpc"],
  ["process pattern, framed hop", "framed", "grpc"],
  ["process pattern, HTTP/2 hop", "http2", "grpc"],
  ["process pattern, Connect protocol", "framed", "connect"],
] as const)("a traced call: %s", (_label, namespace, protocol) => {
  it("is one connected trace: client span → proxy span → pattern span, with method, namespace and code", async () => {
    const client = createPrismClient({ url: proxy.url, namespace, protocol, tracing: true });
    await client.kv.set("traced", "value");
    await expect(client.kv.get(`missing-${protocol}`)).rejects.toBeInstanceOf(KeyNotFoundError);
    const sent = clientSpans
      .getFinishedSpans()
      .filter((span) => span.kind === SpanKind.CLIENT)
      .slice(-2);
    expect(sent.map((span) => span.name)).toEqual(["prism.keyvalue.v1.KeyValueService/Set", "prism.keyvalue.v1.KeyValueService/Get"]);
    for (const [index, clientSpan] of sent.entries()) {
      const { traceId, spanId } = clientSpan.spanContext();
      const inTrace = await receivedSpansOf(traceId);
      const proxySpan = inTrace.find((span) => span.name.startsWith("prism."));
      const patternSpan = inTrace.find((span) => span !== proxySpan);
      expect(proxySpan?.parentSpanId).toBe(spanId);
      expect(proxySpan?.attributes).toMatchObject({ "rpc.method": index === 0 ? "Set" : "Get", "prism.namespace": namespace });
      expect(proxySpan?.attributes["rpc.grpc.status_code"]).toBe(index === 0 ? 0 : 5);
      expect(patternSpan?.parentSpanId).toBe(proxySpan?.spanId);
      expect(patternSpan?.name).toBe(`memstore prism.keyvalue.v1.KeyValueService/${index === 0 ? "Set" : "Get"}`);
      // A process pattern reports as its own service; an in-process one shares the proxy's.
      expect(patternSpan?.service).toBe(namespace === "default" ? "prism-proxy" : "prism-proxy-pattern");
    }
  });
});

it("continues a caller's traceparent sent without @prism/client's tracing", async () => {
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const client = createPrismClient({
    url: proxy.url,
    namespace: "framed",
    headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
  });
  await client.kv.set("by-header", "v");
  const inTrace = await receivedSpansOf(traceId);
  expect(inTrace.find((span) => span.name.startsWith("prism."))?.parentSpanId).toBe("b7ad6b7169203331");
});

it("logs where spans go", () => {
  expect(proxy.logs.some((record) => record.otlp === `${receiver.url}/v1/traces`)).toBe(true);
});

it("writes the call's trace id in the log lines of that call (an admin change)", async () => {
  const client = createPrismClient({ url: proxy.url, tracing: true });
  await client.admin.createNamespace("traced-ns", { keyvalue: { backend: "memstore" } });
  const sent = clientSpans.getFinishedSpans().find((span) => span.name === "prism.admin.v1.AdminService/CreateNamespace");
  const traceId = sent?.spanContext().traceId;
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  const line = await proxy.waitForLog(
    (record) => typeof record.msg === "string" && record.msg.startsWith('admin: created namespace "traced-ns"'),
  );
  expect(line.trace_id).toBe(traceId);
  await client.admin.deleteNamespace("traced-ns");
});
