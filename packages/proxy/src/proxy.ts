// startProxy: builds every namespace's patterns from the config (or from the state file the admin
// API keeps beside it), starts them, serves the API and the admin API on one port, and stops
// everything (patterns drained, processes reaped) on close.
import type { Logger } from "@prism/pattern-sdk";
import { createLogger } from "@prism/pattern-sdk/host";
import { AdminService } from "@prism/proto/admin/v1";
import { Health } from "@prism/proto/grpc/health/v1";
import { ServerReflection as ServerReflectionV1 } from "@prism/proto/grpc/reflection/v1";
import { ServerReflection as ServerReflectionV1alpha } from "@prism/proto/grpc/reflection/v1alpha";
import { addService, ByteBudget } from "@prism/wire";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminHandlers } from "./admin/admin-handlers.js";
import { NamespaceManager } from "./admin/namespace-manager.js";
import { NamespaceStateFile } from "./admin/namespace-state-file.js";
import { type NamespaceConfig, parseNamespace, type ProxyConfig } from "./config/proxy-config.js";
import { Authorizer, type NamespaceAccess } from "./auth/authorizer.js";
import { createTokenVerifier } from "./auth/token-verifier.js";
import { effectiveAuthMode } from "./config/proxy-config.js";
import { ClientCalls } from "./patterns/client-calls.js";
import { createRuntimeFactory, type SharedBounds } from "./patterns/runtime-factory.js";
import { createRefusalLog } from "./server/call-refusals.js";
import { createConnectFrontDoor } from "./server/connect-front-door.js";
import { withCors } from "./server/cors.js";
import { withDecodeErrorStatus } from "./server/decode-error-status.js";
import { withFrontDoorLimits } from "./server/front-door-limits.js";
import { NamespaceRouter } from "./server/namespace-router.js";
import { withHealthEndpoint } from "./server/health-endpoint.js";
import { createProxyServer } from "./server/proxy-server.js";
import { createStandardServices } from "./standard/standard-services.js";
import { apiServices } from "./config/api-names.js";
import { createMetricsServer, withMetricsEndpoint } from "./metrics/metrics-endpoint.js";
import { methodLabels } from "./metrics/method-labels.js";
import { ProxyMetrics } from "./metrics/proxy-metrics.js";
import { startProxyTracing } from "./tracing/start-proxy-tracing.js";
import { SharedNamespaces, type SharedStart } from "./config-source/shared-namespaces.js";
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
  /** The namespaces at run time: what the admin API changes. */
  namespaces: NamespaceManager;
  /** Stops serving, then stops every pattern. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts every pattern of `config` and serves the API; rejects (after cleaning up) when any fails.
 * When the config's state file exists, its namespaces are served instead of the config's.
 */
export async function startProxy(config: ProxyConfig, options: StartProxyOptions = {}): Promise<RunningProxy> {
  const startedAtMs = Date.now();
  const logger = options.logger ?? createLogger({ fields: { component: "proxy" } });
  const stateFile = config.stateFile === undefined ? undefined : new NamespaceStateFile(config.stateFile, `prism-proxy ${proxyVersion}`);
  const sharedSource =
    config.configSource === undefined ? undefined : await SharedNamespaces.start(config.configSource, config.namespaces, logger);
  const initial =
    sharedSource === undefined ? initialNamespaces(config, stateFile, logger) : sharedNamespaces(sharedSource.start, config, logger);
  const router = new NamespaceRouter(config.absentNamespace);
  const shared: SharedBounds = {
    buffered: new ByteBudget(config.overload.maxBufferedBytes, config.overload.maxBufferedBytesPerClient),
    clientCalls: new ClientCalls(config.overload.maxCallsPerClient),
    maxDeadlineMs: config.overload.maxDeadlineMs,
    onRefused: createRefusalLog(logger),
  };
  const authorizer = await createAuthorizer(config, logger);
  if (initial.namespaces.size === 0) {
    logger.warn(`${initial.file ?? "config"}: namespaces is empty: the proxy serves no namespace, so every call fails NOT_FOUND`);
  }
  const tracing = await startProxyTracing(config, logger);
  const socketDir = mkdtempSync(join(tmpdir(), "prism-"));
  const namespaces = new NamespaceManager({
    router,
    createRuntime: createRuntimeFactory({ baseDir: config.baseDir, socketDir, logger, shared, env: tracing?.patternEnv }),
    baseDir: config.baseDir,
    stateFile,
    onNamespacesChange: (current) => authorizer?.setAccess(namespaceAccess({ namespaces: current })),
    logger,
  });
  const stopPatterns = async () => {
    await namespaces.close();
    rmSync(socketDir, { recursive: true, force: true });
  };
  /** After a failed start: stop the patterns, then send what tracing holds. */
  const stopAfterFailure = async () => {
    await stopPatterns();
    await tracing?.shutdown();
  };
  try {
    await namespaces.start(initial.namespaces.values(), initial.file);
    sharedSource?.shared.follow(namespaces);
  } catch (error) {
    await sharedSource?.shared.close();
    await stopAfterFailure();
    throw error;
  }

  // With a shared source, admin changes go to the bucket and reach every proxy from there.
  const admin = createAdminHandlers(namespaces, { version: proxyVersion, startedAtMs }, sharedSource?.shared ?? namespaces);
  const configState = sharedSource === undefined ? undefined : () => sharedSource.shared.state;
  const metrics = config.metrics.enabled
    ? new ProxyMetrics({
        methods: methodLabels(
          { admin: AdminService, health: Health, reflection: ServerReflectionV1, reflection_v1alpha: ServerReflectionV1alpha },
          false,
          methodLabels(apiServices, true),
        ),
        isNamespace: (name) => router.has(name),
        absentNamespace: config.absentNamespace,
        patterns: () => router.entries(),
        config: configState,
      })
    : undefined;
  // The front door reads no more than the largest message any namespace accepts now.
  const maxRequestBytes = () => namespaces.maxRequestBytes;
  const connect = createConnectFrontDoor(router, {
    readMaxBytes: maxRequestBytes,
    maxDeadlineMs: shared.maxDeadlineMs,
    authorizer,
    admin,
    calls: metrics?.calls,
  });
  const limits = {
    buffered: shared.buffered,
    get maxRequestBytes() {
      return maxRequestBytes();
    },
    maxDeadlineMs: shared.maxDeadlineMs,
    onRefused: shared.onRefused,
  };
  const api = withHealthEndpoint(router, config.health, withFrontDoorLimits(limits, withDecodeErrorStatus(connect)), configState);
  // Metrics on the API port unless they have a listener of their own.
  const scrapedHere = metrics !== undefined && config.metrics.listen === "";
  const frontDoor = withCors(config.cors, scrapedHere ? withMetricsEndpoint(metrics, config.metrics.path, logger, api) : api, logger);
  // The admin API, gRPC health and reflection on the gRPC hot path: served by the proxy itself, not
  // routed to a namespace; health and reflection to anyone (`open`), the admin API to proxy admins.
  const standard = createStandardServices(router);
  const own = {
    methods: addService(AdminService, admin, new Map(standard.methods)),
    open: standard.open,
    callOptions: { buffered: shared.buffered, maxDeadlineMs: shared.maxDeadlineMs, onRefused: shared.onRefused },
    // Health and reflection need no token: their requests are small, so they are held to 64 KiB.
    openCallOptions: {
      buffered: shared.buffered,
      maxDeadlineMs: shared.maxDeadlineMs,
      onRefused: shared.onRefused,
      maxRequestBytes: 64 * 1024,
    },
  };
  const server = createProxyServer(router, frontDoor, { overload: config.overload, authorizer, logger, own, calls: metrics?.calls });
  if (metrics !== undefined) metrics.sources.server = server;
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
    await stopAfterFailure();
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EADDRINUSE" ? "the address is already in use (is another prism-proxy running?)" : (error as Error).message;
    throw new ListenError(`cannot listen on ${config.listen}: ${reason}`, { cause: error });
  }
  const address = addressOf(server.tcp);
  const metricsServer = metrics !== undefined && !scrapedHere ? createMetricsServer(metrics, config.metrics.path, logger) : undefined;
  if (metricsServer !== undefined) {
    try {
      await listen(metricsServer, config.metrics.listen, "metrics.listen");
    } catch (error) {
      server.stopAccepting();
      await stopAfterFailure();
      await server.close(0);
      throw error;
    }
  }
  if (metrics !== undefined) {
    const where = metricsServer === undefined ? address : addressOf(metricsServer);
    logger.info(`Prometheus metrics at http://${where}${config.metrics.path}`, { metrics: `${where}${config.metrics.path}` });
    if (authorizer !== undefined && metricsServer === undefined) {
      logger.warn(
        `${config.metrics.path} answers without a token on ${address} (namespace and pattern names, counts); ` +
          "set metrics.listen to serve the metrics on an address only your monitoring reaches",
      );
    }
  }
  logger.info(`prism-proxy ${proxyVersion} listening on ${address} (gRPC, gRPC-Web, Connect; HTTP/1.1 and HTTP/2)`, {
    address,
    namespaces: namespaces.list().map((namespace) => namespace.name),
  });

  let closing: Promise<void> | undefined;
  return {
    address,
    router,
    namespaces,
    close() {
      closing ??= (async () => {
        logger.info("shutting down: closing the listener, then draining and stopping patterns");
        await sharedSource?.shared.close(); // no more changes from the bucket while stopping
        // Stop accepting first; then stop the patterns, which ends open calls (subscriptions with
        // UNAVAILABLE, in-flight calls after their drain); then close what connections remain.
        standard.health.shutDown(); // health answers NOT_SERVING from now on; Watch streams are told and end
        server.stopAccepting();
        await stopPatterns();
        await server.close(options.shutdownGraceMs ?? 5000);
        metricsServer?.closeAllConnections();
        metricsServer?.close();
        await tracing?.shutdown(); // last: the spans of calls that ended during the drain go out too
        logger.info("prism-proxy stopped");
      })();
      return closing;
    },
  };
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

/** The shared source's namespaces, validated like prism.yaml's; an entry that is not valid is logged and left out. */
function sharedNamespaces(
  start: SharedStart,
  config: ProxyConfig,
  logger: Logger,
): { namespaces: ReadonlyMap<string, NamespaceConfig>; file: string | undefined } {
  const namespaces = new Map<string, NamespaceConfig>();
  for (const [name, mapping] of start.namespaces) {
    try {
      namespaces.set(name, parseNamespace(name, mapping, { file: start.origin, path: `namespaces.${name}`, baseDir: config.baseDir }));
    } catch (error) {
      logger.error(`namespace "${name}" of ${start.origin} is not valid and is not served: ${(error as Error).message}`);
    }
  }
  return { namespaces, file: start.origin };
}

/**
 * The namespaces to start with: the state file's when it exists (the admin API wrote it; prism.yaml
 * only seeds it), else the config's. `file` is where they came from, for pattern config errors.
 */
function initialNamespaces(
  config: ProxyConfig,
  stateFile: NamespaceStateFile | undefined,
  logger: Logger,
): { namespaces: ReadonlyMap<string, NamespaceConfig>; file: string | undefined } {
  const saved = stateFile?.read(config.baseDir);
  if (stateFile === undefined || saved === undefined) return { namespaces: config.namespaces, file: config.file };
  logger.info(
    `namespaces come from ${stateFile.path} (changes made through the admin API), not from the namespaces of ${config.file}; ` +
      "delete that file to start from the config file's namespaces again",
  );
  return { namespaces: saved, file: stateFile.path };
}

/** Each namespace's access rules as sets, for O(1) checks. */
export function namespaceAccess(config: { readonly namespaces: ReadonlyMap<string, NamespaceConfig> }): Map<string, NamespaceAccess> {
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

/** HOST:PORT a server is bound to (the real port when 0 was asked for). */
function addressOf(server: { address(): AddressInfo | string | null }): string {
  const bound = server.address() as AddressInfo;
  return `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`;
}

/** Opens `server` on `listen`; a failure is a ListenError naming the config field. */
async function listen(server: Server, listen: string, field: string): Promise<void> {
  const [host, port] = splitHostPort(listen);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EADDRINUSE" ? "the address is already in use" : (error as Error).message;
    throw new ListenError(`cannot listen on ${listen} (${field}): ${reason}`, { cause: error });
  }
}

function splitHostPort(listen: string): [string, number] {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return [host, Number(listen.slice(colon + 1))];
}
