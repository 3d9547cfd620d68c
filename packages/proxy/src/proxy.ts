// startProxy: builds every namespace's patterns from the config, starts them, serves the API on
// one port, and stops everything (patterns drained, processes reaped) on close.
import type { Logger } from "@prism/pattern-sdk";
import { createLogger } from "@prism/pattern-sdk/host";
import { ByteBudget } from "@prism/wire";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiServices, type ApiName } from "./config/api-names.js";
import type { BindingConfig, ProxyConfig } from "./config/proxy-config.js";
import { Authorizer, type NamespaceAccess } from "./auth/authorizer.js";
import { createTokenVerifier } from "./auth/token-verifier.js";
import { effectiveAuthMode } from "./config/proxy-config.js";
import { ClientCalls } from "./patterns/client-calls.js";
import { InProcessPattern } from "./patterns/inprocess-pattern.js";
import { loadPatternDefinition, patternCommand } from "./patterns/pattern-module.js";
import { PatternProcess } from "./patterns/pattern-process.js";
import { requestLimitOf } from "./patterns/request-limit.js";
import type { PatternRuntime } from "./patterns/pattern-runtime.js";
import { createRefusalLog, type RefusalLog } from "./server/call-refusals.js";
import { createConnectFrontDoor } from "./server/connect-front-door.js";
import { withCors } from "./server/cors.js";
import { withDecodeErrorStatus } from "./server/decode-error-status.js";
import { withFrontDoorLimits } from "./server/front-door-limits.js";
import { NamespaceRouter } from "./server/namespace-router.js";
import { withHealthEndpoint } from "./server/health-endpoint.js";
import { createProxyServer } from "./server/proxy-server.js";
import { proxyVersion } from "./version.js";

/** The proxy could not open its listening address (in use, not permitted, not an address of this host). */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

/** Options of startProxy. */
export interface StartProxyOptions {
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
  /** How long shutdown lets open calls finish (default 5000 ms). */
  shutdownGraceMs?: number;
}

/** A running proxy. */
export interface RunningProxy {
  /** The address it listens on, HOST:PORT (the real port when the config asked for 0). */
  address: string;
  /** Routing table (for tests and admin). */
  router: NamespaceRouter;
  /** Stops serving, then stops every pattern. Safe to call more than once. */
  close(): Promise<void>;
}

/** Starts every pattern of `config` and serves the API; rejects (after cleaning up) when any fails. */
export async function startProxy(config: ProxyConfig, options: StartProxyOptions = {}): Promise<RunningProxy> {
  const logger = options.logger ?? createLogger({ fields: { component: "proxy" } });
  const socketDir = mkdtempSync(join(tmpdir(), "prism-"));
  const router = new NamespaceRouter(config.absentNamespace);
  const runtimes: PatternRuntime[] = [];
  const shared: SharedBounds = {
    buffered: new ByteBudget(config.overload.maxBufferedBytes, config.overload.maxBufferedBytesPerClient),
    clientCalls: new ClientCalls(config.overload.maxCallsPerClient),
    maxDeadlineMs: config.overload.maxDeadlineMs,
    onRefused: createRefusalLog(logger),
  };
  const stopPatterns = async () => {
    await Promise.all(
      runtimes.map((runtime) =>
        runtime.stop().catch((error: Error) => logger.error(`stopping ${runtime.description} failed: ${error.message}`)),
      ),
    );
    rmSync(socketDir, { recursive: true, force: true });
  };

  const authorizer = await createAuthorizer(config, logger);
  if (config.namespaces.size === 0) {
    logger.warn(`${config.file ?? "config"}: namespaces is empty: the proxy serves no namespace, so every call fails NOT_FOUND`);
  }
  try {
    for (const namespace of config.namespaces.values()) {
      for (const [api, binding] of Object.entries(namespace.apis) as [ApiName, BindingConfig][]) {
        const runtime = await createRuntime(namespace.name, api, binding, config, socketDir, logger, shared);
        runtimes.push(runtime);
        await runtime.start();
        router.add(namespace.name, api, runtime);
        logger.info(`namespace "${namespace.name}" ${api} → ${runtime.description}`);
      }
    }
  } catch (error) {
    await stopPatterns();
    throw error;
  }

  // The largest message of any namespace (the default when there is none): the front door reads no more.
  const maxRequestBytes = Math.max(requestLimitOf(undefined), ...runtimes.map((runtime) => runtime.requestLimit));
  const connect = createConnectFrontDoor(router, { readMaxBytes: maxRequestBytes, maxDeadlineMs: shared.maxDeadlineMs, authorizer });
  const limited = withFrontDoorLimits(
    { buffered: shared.buffered, maxRequestBytes, maxDeadlineMs: shared.maxDeadlineMs, onRefused: shared.onRefused },
    withDecodeErrorStatus(connect),
  );
  const frontDoor = withCors(config.cors, withHealthEndpoint(router, config.health, limited), logger);
  const server = createProxyServer(router, frontDoor, { overload: config.overload, authorizer, logger });
  const [host, port] = splitHostPort(config.listen);
  try {
    await new Promise<void>((resolve, reject) => {
      server.tcp.once("error", reject);
      server.tcp.listen(port, host, () => {
        server.tcp.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await stopPatterns();
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EADDRINUSE" ? "the address is already in use (is another prism-proxy running?)" : (error as Error).message;
    throw new ListenError(`cannot listen on ${config.listen}: ${reason}`, { cause: error });
  }
  const bound = server.tcp.address() as AddressInfo;
  const address = `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`;
  logger.info(`prism-proxy ${proxyVersion} listening on ${address} (gRPC, gRPC-Web, Connect; HTTP/1.1 and HTTP/2)`, {
    address,
    namespaces: [...config.namespaces.keys()],
  });

  let closing: Promise<void> | undefined;
  return {
    address,
    router,
    close() {
      closing ??= (async () => {
        logger.info("shutting down: closing the listener, then draining and stopping patterns");
        // Stop accepting first; then stop the patterns, which ends open calls (subscriptions with
        // UNAVAILABLE, in-flight calls after their drain); then close what connections remain.
        server.stopAccepting();
        await stopPatterns();
        await server.close(options.shutdownGraceMs ?? 5000);
        logger.info("prism-proxy stopped");
      })();
      return closing;
    },
  };
}

async function createRuntime(
  namespace: string,
  api: ApiName,
  binding: BindingConfig,
  config: ProxyConfig,
  socketDir: string,
  parentLogger: Logger,
  shared: SharedBounds,
): Promise<PatternRuntime> {
  const logger = parentLogger.child({ namespace, api });
  const location = { file: config.file, path: `namespaces.${namespace}.${api}.config` };
  const serviceName = apiServices[api].typeName;
  if (binding.isolation === "inprocess" && binding.module) {
    return new InProcessPattern({
      namespace,
      definition: await loadPatternDefinition(binding.module),
      config: binding.config,
      location,
      serviceName,
      drainTimeoutMs: binding.drainTimeoutMs,
      healthIntervalMs: binding.healthIntervalMs,
      logger,
      buffered: shared.buffered,
      maxDeadlineMs: shared.maxDeadlineMs,
      onRefused: shared.onRefused,
    });
  }
  const command = binding.module ? patternCommand(binding.module) : binding.command;
  return new PatternProcess({
    ...binding,
    namespace,
    patternName: binding.backend || command[0]?.split("/").pop() || "pattern",
    command,
    cwd: config.baseDir,
    config: binding.config,
    location,
    serviceName,
    socketPath: join(socketDir, `${namespace}.${api}.sock`),
    proxyVersion,
    logger,
    requestLimit: requestLimitOf(binding.config),
    maxDeadlineMs: shared.maxDeadlineMs,
    clientCalls: shared.clientCalls,
    buffered: shared.buffered,
    onRefused: shared.onRefused,
  });
}

/** The call checker when the config asks for authentication; logs how the proxy is guarded either way. */
async function createAuthorizer(config: ProxyConfig, logger: Logger): Promise<Authorizer | undefined> {
  const mode = effectiveAuthMode(config.auth);
  if (mode === "none") {
    logger.warn(`auth.mode is none: anyone who reaches ${config.listen} may read and write every namespace`);
    return undefined;
  }
  if (mode === "open") {
    logger.info(`no auth block: open to callers on this host only (${config.listen} is a loopback address)`);
    return undefined;
  }
  const verifier = await createTokenVerifier(config.auth, config.baseDir);
  logger.info(
    `callers must send a bearer token from ${config.auth.issuer} for ${config.auth.audience.join(" or ")} (keys: ${verifier.keySource})`,
  );
  return new Authorizer(verifier, namespaceAccess(config), new Set(config.auth.admin), config.auth.tokenCacheSize);
}

/** Each namespace's access rules as sets, for O(1) checks. */
export function namespaceAccess(config: Pick<ProxyConfig, "namespaces">): Map<string, NamespaceAccess> {
  const access = new Map<string, NamespaceAccess>();
  for (const namespace of config.namespaces.values()) {
    access.set(namespace.name, {
      read: new Set(namespace.access.read),
      write: new Set(namespace.access.write),
      admin: new Set(namespace.access.admin),
    });
  }
  return access;
}

/** Bounds every pattern runtime of the proxy shares. */
interface SharedBounds {
  /** Request bytes buffered across every call. */
  buffered: ByteBudget;
  /** Calls in flight per client address to process patterns. */
  clientCalls: ClientCalls;
  /** Longest deadline honoured. */
  maxDeadlineMs: number;
  /** Where calls refused for a bound are logged (rate-limited). */
  onRefused: RefusalLog;
}

function splitHostPort(listen: string): [string, number] {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return [host, Number(listen.slice(colon + 1))];
}
