// Property-based fuzzing of every RPC through the real proxy, in-process and process-isolated:
// arbitrary request bytes (well-framed messages of random bytes, truncated and oversized frames,
// unframed garbage) with arbitrary deadline and namespace headers, over gRPC (HTTP/2) and the
// Connect protocol (HTTP/1.1). Every input must get an answer (a gRPC status on gRPC, an HTTP
// answer on Connect) and the proxy must stay up, serving a well-behaved call after each batch.
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { PubSubService } from "@prism/proto/pubsub/v1";
import { RegistryService } from "@prism/proto/registry/v1";
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import fc from "fast-check";
import { type ClientHttp2Session, connect, constants } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Every method path of the data-plane services. */
const paths = [KeyValueService, PubSubService, RegistryService].flatMap((service) =>
  service.methods.map((method) => `/${service.typeName}/${method.name}`),
);

/** What one fuzzed call sends. */
interface FuzzCall {
  path: string;
  namespace: string | undefined;
  timeout: string | undefined;
  body: Uint8Array;
}

/** A gRPC frame around `message`, its length field as declared or forged. */
function frame(message: Uint8Array, declared = message.byteLength, flag = 0): Uint8Array {
  const out = new Uint8Array(5 + message.byteLength);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, declared >>> 0);
  out.set(message, 5);
  return out;
}

const bytes = fc.uint8Array({ maxLength: 2048 });
const bodies = fc.oneof(
  bytes.map((message) => frame(message)),
  fc.tuple(bytes, fc.nat({ max: 2 ** 32 - 1 })).map(([message, declared]) => frame(message, declared)),
  fc.tuple(bytes, fc.constantFrom(1, 2, 255)).map(([message, flag]) => frame(message, message.byteLength, flag)),
  bytes,
);
const namespaces = fc.oneof(
  fc.constantFrom<string | undefined>(undefined, "inproc", "proc", "nope", "", "Inproc"),
  fc.string({ maxLength: 80 }),
  fc.string({ minLength: 1, maxLength: 4000 }).map((s) => s.replace(/[^\x20-\x7e]/g, "a")),
);
const timeouts = fc.oneof(
  fc.constantFrom<string | undefined>(undefined, "1m", "500m", "1000H", "99999999H", "0m", "soon", "5", "-5S", "1.5S"),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[^\x20-\x7e]/g, "x")),
);
const calls: fc.Arbitrary<FuzzCall> = fc.record({
  path: fc.oneof(fc.constantFrom(...paths), fc.constantFrom("/", "/x", "/prism.keyvalue.v1.KeyValueService/", "/a/b/c")),
  namespace: namespaces,
  timeout: timeouts,
  body: bodies,
});

let proxy: ProxyProcess;
let session: ClientHttp2Session;

beforeAll(async () => {
  proxy = await startProxyProcess({
    config: {
      namespaces: {
        inproc: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" }, registry: { backend: "memstore" } },
        proc: {
          keyvalue: { backend: "memstore", isolation: "process" },
          pubsub: { backend: "memstore", isolation: "process" },
          registry: { backend: "memstore", isolation: "process" },
        },
      },
    },
  });
  session = connect(proxy.url);
  session.on("error", () => {});
});
afterAll(async () => {
  session?.destroy();
  const code = await proxy?.stop();
  expect(code).toBe(0);
});

/** Sends one fuzzed gRPC call; resolves with its grpc-status, or "open" for a stream still answering after 1 s (a live subscription). */
function grpcCall(call: FuzzCall): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ":method": "POST", ":path": call.path, "content-type": "application/grpc", te: "trailers" };
    if (call.namespace !== undefined) headers["prism-namespace"] = call.namespace;
    if (call.timeout !== undefined) headers["grpc-timeout"] = call.timeout;
    let stream: ReturnType<ClientHttp2Session["request"]>;
    try {
      stream = session.request(headers);
    } catch (error) {
      // Node's client refuses some header values itself (the proxy never sees them).
      if (
        (error as NodeJS.ErrnoException).code === "ERR_INVALID_CHAR" ||
        (error as NodeJS.ErrnoException).code === "ERR_HTTP2_INVALID_HEADER_VALUE"
      ) {
        resolve(-1);
        return;
      }
      reject(error);
      return;
    }
    let status: string | undefined;
    let answered = false;
    const timer = setTimeout(() => {
      stream.close(constants.NGHTTP2_CANCEL);
      if (answered) resolve("open");
      else
        reject(
          new Error(
            `no answer within 5 s to ${call.path} (namespace ${JSON.stringify(call.namespace?.slice(0, 40))}, timeout ${JSON.stringify(call.timeout)})`,
          ),
        );
    }, answeredWithin(call));
    stream.on("response", (h) => {
      answered = true;
      status = (h["grpc-status"] as string | undefined) ?? status;
    });
    stream.on("trailers", (t) => {
      status = t["grpc-status"] as string | undefined;
    });
    stream.on("data", () => {});
    stream.on("error", () => {});
    stream.on("close", () => {
      clearTimeout(timer);
      if (status !== undefined) resolve(Number(status));
      else if (stream.rstCode === constants.NGHTTP2_NO_ERROR && answered) resolve("open");
      else reject(new Error(`${call.path}: the stream closed without a gRPC status (HTTP/2 code ${stream.rstCode})`));
    });
    stream.end(call.body);
  });
}

/** How long a call may go unanswered: a subscription that works stays open, anything else must end within 5 s. */
function answeredWithin(call: FuzzCall): number {
  return call.path.endsWith("/Subscribe") ? 1000 : 5000;
}

describe("fuzzed gRPC requests through the proxy (in-process and process-isolated namespaces)", () => {
  it("every input gets a gRPC status (or, for a live subscription, an answer) and the proxy stays up", async () => {
    await fc.assert(
      fc.asyncProperty(calls, async (call) => {
        const status = await grpcCall(call);
        if (typeof status === "number" && status !== -1) expect(status >= 0 && status <= 16, `grpc-status ${status}`).toBe(true);
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100_000) },
    );
    expect(proxy.child.exitCode).toBeNull();
    // A well-behaved call still works.
    expect(
      await grpcCall({
        path: "/prism.keyvalue.v1.KeyValueService/Exists",
        namespace: "proc",
        timeout: "2S",
        body: frame(new Uint8Array([10, 1, 107])),
      }),
    ).toBe(0);
  });

  it("every Connect (HTTP/1.1) input gets an HTTP answer and the proxy stays up", async () => {
    const contentTypes = fc.constantFrom(
      "application/proto",
      "application/json",
      "application/connect+proto",
      "application/grpc-web",
      "text/plain",
    );
    await fc.assert(
      fc.asyncProperty(calls, contentTypes, async (call, contentType) => {
        const headers: Record<string, string> = { "content-type": contentType };
        if (call.namespace !== undefined && /^[\x20-\x7e]*$/.test(call.namespace)) headers["prism-namespace"] = call.namespace;
        if (call.timeout !== undefined) headers["connect-timeout-ms"] = call.timeout;
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), answeredWithin(call));
        try {
          const response = await fetch(proxy.url + call.path, {
            method: "POST",
            headers,
            body: Buffer.from(call.body),
            signal: controller.signal,
          });
          expect(response.status).toBeGreaterThanOrEqual(200);
          expect(response.status, `HTTP ${response.status}`).toBeLessThan(600);
          // Garbage from the client is the client's error (INVALID_ARGUMENT), never the server's (INTERNAL).
          if (contentType === "application/proto") expect(response.status, await response.clone().text()).not.toBe(500);
          await response.body?.cancel();
        } catch (error) {
          if (!(controller.signal.aborted && call.path.endsWith("/Subscribe"))) throw error;
        } finally {
          clearTimeout(timer);
        }
      }),
      { numRuns: 150, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100_000) },
    );
    expect(proxy.child.exitCode).toBeNull();
  });
});
