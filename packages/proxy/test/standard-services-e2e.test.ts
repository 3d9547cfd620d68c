// End to end: the standard gRPC services of the proxy through real clients. buf curl with server
// reflection only (no .proto files) lists the services over reflection v1 and v1alpha and calls
// KeyValueService with JSON; a raw reflection stream gets NOT_FOUND answers and goes on;
// grpc.health.v1.Health answers Check / List / Watch by service and namespace, follows a killed
// pattern process and the proxy's shutdown, and needs no token on a proxy that authenticates.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createLogger } from "@prism/pattern-sdk/host";
import {
  type ServerReflectionResponse,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
} from "@prism/proto/grpc/reflection/v1";
import { encodeFrame, FrameReader } from "@prism/wire";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type ClientHttp2Session } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseProxyConfig } from "../src/config/proxy-config.js";
import { type RunningProxy, startProxy } from "../src/proxy.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buf = `${root}node_modules/.bin/buf`;
const logger = createLogger({ write: () => {} });

/** Every service the proxy serves, as reflection lists them. */
const servedServices = [
  "prism.keyvalue.v1.KeyValueService",
  "prism.pubsub.v1.PubSubService",
  "prism.registry.v1.RegistryService",
  "prism.admin.v1.AdminService",
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

/** Starts the proxy in this process on a free loopback port. */
function start(config: Record<string, unknown>): Promise<RunningProxy> {
  return startProxy(parseProxyConfig({ listen: "127.0.0.1:0", ...config }, undefined), { logger, shutdownGraceMs: 1000 });
}

/** Runs buf curl (asynchronously: the proxy runs in this process) with gRPC over HTTP/2 and server reflection. */
function curl(proxy: RunningProxy, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      buf,
      ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args.map((arg) => arg.replace("URL", `http://${proxy.address}`))],
      { encoding: "utf8", timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A unary call through buf curl: its JSON answer, or its error as JSON. */
async function call(proxy: RunningProxy, method: string, body: unknown, headers: string[] = []): Promise<Record<string, unknown>> {
  const result = await curl(proxy, [...headers.flatMap((header) => ["-H", header]), "-d", JSON.stringify(body), `URL/${method}`]);
  return JSON.parse(result.stdout.trim() || result.stderr.trim()) as Record<string, unknown>;
}

/** A Watch stream through buf curl: the statuses seen so far. */
interface Watch {
  readonly child: ChildProcess;
  readonly statuses: () => string[];
  readonly exited: Promise<number | null>;
}

function watch(proxy: RunningProxy, service: string, headers: string[] = []): Watch {
  const child = spawn(buf, [
    "curl",
    "--protocol",
    "grpc",
    "--http2-prior-knowledge",
    "--timeout",
    "0",
    ...headers.flatMap((header) => ["-H", header]),
    "-d",
    JSON.stringify({ service }),
    `http://${proxy.address}/grpc.health.v1.Health/Watch`,
  ]);
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, statuses: () => [...stdout.matchAll(/"status":\s*"(\w+)"/g)].map((match) => match[1] as string) };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("reflection and health on an open proxy", () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await start({
      namespaces: {
        default: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" }, registry: { backend: "memstore" } },
        proc: { keyvalue: { backend: "memstore", isolation: "process" } },
      },
    });
  });
  afterAll(() => proxy?.close());

  it.each(["grpc-v1", "grpc-v1alpha"])("lists every service it serves over reflection %s", async (protocol) => {
    const result = await curl(proxy, ["--reflect-protocol", protocol, "--list-services", "URL"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n").sort()).toEqual([...servedServices].sort());
  });

  it("lists the methods of KeyValueService (among those of every service)", async () => {
    const result = await curl(proxy, ["--list-methods", "URL"]);
    expect(result.code, result.stderr).toBe(0);
    const methods = result.stdout.trim().split("\n");
    expect(methods.filter((method) => method.startsWith("prism.keyvalue.v1.KeyValueService/")).sort()).toEqual(
      ["BatchDelete", "BatchGet", "BatchSet", "Delete", "Exists", "Get", "Scan", "Set"].map(
        (m) => `prism.keyvalue.v1.KeyValueService/${m}`,
      ),
    );
    expect(methods).toContain("grpc.health.v1.Health/Watch");
    expect(methods).toContain("grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
  });

  it("calls KeyValueService with JSON from reflection alone", async () => {
    const header = ["prism-namespace: default"];
    expect(await call(proxy, "prism.keyvalue.v1.KeyValueService/Set", { key: "reflected", value: b64("value") }, header)).toEqual({});
    expect(await call(proxy, "prism.keyvalue.v1.KeyValueService/Get", { key: "reflected" }, header)).toEqual({ value: b64("value") });
    expect(await call(proxy, "prism.keyvalue.v1.KeyValueService/Get", { key: "absent" }, header)).toMatchObject({ code: "not_found" });
    expect(await call(proxy, "prism.pubsub.v1.PubSubService/Publish", { topic: "t", payload: b64("p") }, header)).toHaveProperty(
      "messageId",
    );
  });

  it("answers each question of one reflection stream, NOT_FOUND ones included, in order", async () => {
    const session: ClientHttp2Session = connect(`http://${proxy.address}`);
    session.on("error", () => {});
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "content-type": "application/grpc",
        te: "trailers",
      });
      const reader = new FrameReader();
      const answers: ServerReflectionResponse[] = [];
      stream.on("data", (chunk: Buffer) => {
        for (const bytes of reader.push(chunk)) answers.push(fromBinary(ServerReflectionResponseSchema, bytes));
      });
      const status = new Promise<string>((resolve) => stream.on("trailers", (trailers) => resolve(String(trailers["grpc-status"]))));
      const ask = (messageRequest: Parameters<typeof create<typeof ServerReflectionRequestSchema>>[1]) =>
        stream.write(encodeFrame(toBinary(ServerReflectionRequestSchema, create(ServerReflectionRequestSchema, messageRequest))));
      ask({ host: "h", messageRequest: { case: "fileContainingSymbol", value: "prism.nope.v1.Missing" } });
      ask({ messageRequest: { case: "fileContainingSymbol", value: "grpc.health.v1.HealthCheckResponse.ServingStatus" } });
      ask({ messageRequest: { case: "fileByFilename", value: "prism/pubsub/v1/pubsub.proto" } });
      ask({ messageRequest: { case: "fileContainingSymbol", value: "prism.registry.v1.RegistryService.Enumerate" } });
      ask({ messageRequest: { case: "allExtensionNumbersOfType", value: "prism.keyvalue.v1.GetRequest" } });
      ask({ messageRequest: { case: "allExtensionNumbersOfType", value: "prism.keyvalue.v1.Nope" } });
      ask({
        messageRequest: { case: "fileContainingExtension", value: { containingType: "prism.keyvalue.v1.GetRequest", extensionNumber: 9 } },
      });
      ask({ messageRequest: { case: "fileByFilename", value: "nope.proto" } });
      ask({ messageRequest: { case: "listServices", value: "" } });
      stream.end();
      expect(await status).toBe("0");
      const files = (answer: ServerReflectionResponse | undefined) =>
        answer?.messageResponse.case === "fileDescriptorResponse"
          ? answer.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name)
          : answer?.messageResponse;
      const error = (answer: ServerReflectionResponse | undefined) =>
        answer?.messageResponse.case === "errorResponse" ? answer.messageResponse.value.errorCode : answer?.messageResponse.case;
      expect(answers).toHaveLength(9);
      expect(error(answers[0])).toBe(5);
      expect(answers[0]?.validHost).toBe("h");
      expect(answers[0]?.originalRequest?.messageRequest).toEqual({ case: "fileContainingSymbol", value: "prism.nope.v1.Missing" });
      expect(files(answers[1])).toEqual(["grpc/health/v1/health.proto"]);
      expect(files(answers[2])).toEqual(["prism/pubsub/v1/pubsub.proto"]);
      expect(files(answers[3])).toEqual(["prism/registry/v1/registry.proto"]);
      expect(answers[4]?.messageResponse).toMatchObject({
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: "prism.keyvalue.v1.GetRequest", extensionNumber: [] },
      });
      expect(error(answers[5])).toBe(5);
      expect(error(answers[6])).toBe(5);
      expect(error(answers[7])).toBe(5);
      const listed = answers[8]?.messageResponse;
      expect(listed?.case === "listServicesResponse" ? listed.value.service.map((service) => service.name) : listed).toEqual(
        servedServices,
      );
    } finally {
      session.close();
    }
  });

  it("answers Check for the proxy, its own services and the bound data-plane APIs", async () => {
    for (const service of [
      "",
      "prism.keyvalue.v1.KeyValueService",
      "prism.pubsub.v1.PubSubService",
      "prism.admin.v1.AdminService",
      "grpc.health.v1.Health",
    ]) {
      expect(await call(proxy, "grpc.health.v1.Health/Check", { service }), service).toEqual({ status: "SERVING" });
    }
    expect(
      await call(proxy, "grpc.health.v1.Health/Check", { service: "prism.keyvalue.v1.KeyValueService" }, ["prism-namespace: proc"]),
    ).toEqual({
      status: "SERVING",
    });
  });

  it("answers Check NOT_FOUND for a service it does not serve, or a namespace that does not bind it", async () => {
    expect(await call(proxy, "grpc.health.v1.Health/Check", { service: "acme.Unknown" })).toMatchObject({ code: "not_found" });
    expect(
      await call(proxy, "grpc.health.v1.Health/Check", { service: "prism.pubsub.v1.PubSubService" }, ["prism-namespace: proc"]),
    ).toMatchObject({
      code: "not_found",
      message: expect.stringContaining('namespace "proc" has no pubsub pattern'),
    });
    expect(
      await call(proxy, "grpc.health.v1.Health/Check", { service: "prism.keyvalue.v1.KeyValueService" }, ["prism-namespace: nope"]),
    ).toMatchObject({
      code: "not_found",
    });
  });

  it("lists every service with its status", async () => {
    expect(await call(proxy, "grpc.health.v1.Health/List", {})).toEqual({
      statuses: Object.fromEntries(["", ...servedServices].map((service) => [service, { status: "SERVING" }])),
    });
  });

  it("sends SERVICE_UNKNOWN to a Watch of a service it does not serve, and keeps the stream open", async () => {
    const unknown = watch(proxy, "acme.Unknown");
    try {
      await vi.waitFor(() => expect(unknown.statuses()).toEqual(["SERVICE_UNKNOWN"]), { timeout: 15_000, interval: 50 });
      expect(unknown.child.exitCode).toBeNull();
    } finally {
      unknown.child.kill();
      await unknown.exited;
    }
  });
});

describe("health Watch", () => {
  it("sees a killed pattern process NOT_SERVING, and every watched service NOT_SERVING when the proxy shuts down", async () => {
    const proxy = await start({
      namespaces: {
        fragile: {
          keyvalue: {
            backend: "memstore",
            isolation: "process",
            healthIntervalMs: 100,
            restartInitialDelayMs: 600_000,
            restartMaxDelayMs: 600_000,
          },
        },
        steady: { keyvalue: { backend: "memstore" } },
      },
    });
    const watches: Watch[] = [];
    try {
      const fragile = watch(proxy, "prism.keyvalue.v1.KeyValueService", ["prism-namespace: fragile"]);
      const steady = watch(proxy, "prism.keyvalue.v1.KeyValueService", ["prism-namespace: steady"]);
      const all = watch(proxy, "prism.keyvalue.v1.KeyValueService");
      const itself = watch(proxy, "");
      watches.push(fragile, steady, all, itself);
      for (const each of watches) await vi.waitFor(() => expect(each.statuses()).toEqual(["SERVING"]), { timeout: 15_000, interval: 50 });

      const runtime = [...proxy.router.entries()].find((entry) => entry.namespace === "fragile")?.runtime;
      const pid = Number((await runtime?.health())?.details?.pid);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, "SIGKILL");
      await vi.waitFor(() => expect(fragile.statuses()).toEqual(["SERVING", "NOT_SERVING"]), { timeout: 15_000, interval: 50 });
      await vi.waitFor(() => expect(all.statuses()).toEqual(["SERVING", "NOT_SERVING"]), { timeout: 15_000, interval: 50 });
      expect(steady.statuses()).toEqual(["SERVING"]);
      expect(itself.statuses()).toEqual(["SERVING"]);
      expect(await call(proxy, "grpc.health.v1.Health/Check", { service: "prism.keyvalue.v1.KeyValueService" })).toEqual({
        status: "NOT_SERVING",
      });

      await proxy.close();
      // Every open Watch is told NOT_SERVING, and ends cleanly (buf curl exits 0).
      for (const each of watches) expect(await each.exited).toBe(0);
      expect(steady.statuses()).toEqual(["SERVING", "NOT_SERVING"]);
      expect(itself.statuses()).toEqual(["SERVING", "NOT_SERVING"]);
      expect(fragile.statuses()).toEqual(["SERVING", "NOT_SERVING"]);
    } finally {
      for (const each of watches) each.child.kill();
      await proxy.close();
    }
  });
});

describe("on a proxy that authenticates callers", () => {
  let proxy: RunningProxy;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prism-standard-"));
    const { publicKey } = await generateKeyPair("ES256");
    writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" }] }));
    proxy = await start({
      auth: { issuer: "https://issuer.example", audience: ["prism"], jwksFile: join(dir, "jwks.json"), admin: ["group:admins"] },
      namespaces: { default: { keyvalue: { backend: "memstore" }, access: { read: ["any"], write: ["any"] } } },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers health and reflection without a token, and nothing else", async () => {
    expect(await call(proxy, "grpc.health.v1.Health/Check", { service: "" })).toEqual({ status: "SERVING" });
    expect(await call(proxy, "grpc.health.v1.Health/Check", { service: "prism.keyvalue.v1.KeyValueService" })).toEqual({
      status: "SERVING",
    });
    const listed = await curl(proxy, ["--list-services", "URL"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split("\n").sort()).toEqual([...servedServices].sort());
    expect(await call(proxy, "prism.keyvalue.v1.KeyValueService/Get", { key: "k" })).toMatchObject({ code: "unauthenticated" });
    expect(await call(proxy, "prism.admin.v1.AdminService/ListNamespaces", {})).toMatchObject({ code: "unauthenticated" });
  });
});
