// The proxy under attack: the real prism-proxy executable with small overload bounds (so attacks
// are cheap), an in-process namespace (`default`) and a process-isolated one (`proc`), each with
// KeyValue and PubSub on memstore, and /healthz details on. Helpers read its health and log.
import { type ProxyLogRecord, type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { request } from "node:http";
import { goodAddress } from "./good-client.js";

/** The overload bounds every attack runs against unless a test overrides them. */
export const testOverload = {
  maxConnectionsPerClient: 50,
  maxCallsPerClient: 200,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxBufferedBytesPerClient: 16 * 1024 * 1024,
  headersTimeoutMs: 1000,
  idleTimeoutMs: 2000,
  requestTimeoutMs: 5000,
};

/** The namespaces of the proxy under attack: `default` in-process, `proc` as child processes. */
export const testNamespaces = {
  default: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" } },
  proc: {
    keyvalue: { backend: "memstore", isolation: "process", healthIntervalMs: 200 },
    pubsub: { backend: "memstore", isolation: "process", healthIntervalMs: 200 },
  },
};

/** Options of startHostileProxy. */
export interface HostileProxyOptions {
  /** Overload bounds merged over testOverload. */
  overload?: Record<string, number>;
  /** Other top-level config merged over the defaults (e.g. absentNamespace). */
  config?: Record<string, unknown>;
  /** Extra environment variables of the proxy (e.g. PRISM_LOG_LEVEL). */
  env?: Record<string, string>;
  /** Files written beside prism.yaml (e.g. a pattern module). */
  files?: Record<string, string>;
}

/** One pattern's entry in the /healthz details. */
export interface PatternHealth {
  status: string;
  message?: string;
  details?: Record<string, string>;
}

/** A proxy started for an attack. */
export interface HostileProxy {
  /** The running executable. */
  readonly proxy: ProxyProcess;
  /** Its pid. */
  readonly pid: number;
  /** "http://127.0.0.1:PORT". */
  readonly url: string;
  /** Its host, for raw sockets. */
  readonly host: string;
  /** Its port, for raw sockets. */
  readonly port: number;
  /** The /healthz details of `namespace`'s `api` pattern (read from the good client's address). */
  patternHealth(namespace: string, api: string): Promise<PatternHealth>;
  /** Log lines that are not JSON (a Node warning such as TimeoutOverflowWarning, a crash trace). */
  rawLines(): string[];
  /** Log records whose message matches `pattern`. */
  logsMatching(pattern: RegExp): ProxyLogRecord[];
  /** Stops it (SIGTERM) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts the proxy executable with the test bounds (the proxy must be built). */
export async function startHostileProxy(options: HostileProxyOptions = {}): Promise<HostileProxy> {
  const proxy = await startProxyProcess({
    config: {
      health: { details: true },
      overload: { ...testOverload, ...options.overload },
      namespaces: testNamespaces,
      ...options.config,
    },
    ...(options.env ? { env: options.env } : {}),
    ...(options.files ? { files: options.files } : {}),
  });
  const { hostname, port } = new URL(proxy.url);
  return {
    proxy,
    pid: proxy.child.pid as number,
    url: proxy.url,
    host: hostname,
    port: Number(port),
    async patternHealth(namespace, api) {
      const document = JSON.parse(await getFrom(proxy.url, "/healthz")) as {
        namespaces: Record<string, Record<string, PatternHealth>>;
      };
      const report = document.namespaces[namespace]?.[api];
      if (!report) throw new Error(`no health of ${namespace}/${api}`);
      return report;
    },
    rawLines: () => proxy.logs.filter((record) => record.level === "raw").map((record) => record.msg),
    logsMatching: (pattern) => proxy.logs.filter((record) => pattern.test(record.msg)),
    stop: () => proxy.stop(),
  };
}

/** GETs `path` over a new HTTP/1.1 connection from the good client's address; resolves with the body. */
function getFrom(url: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { localAddress: goodAddress, agent: false, timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      response.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
