// servePattern: the whole process bootstrap of a pattern. Parses the flags, loads and validates
// the optional config file, serves the lifecycle and data-plane services over gRPC on a unix
// socket or TCP port, logs JSON to stderr, and shuts down gracefully on SIGTERM/SIGINT.
import { rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { loadConfigFile } from "./config/load-config-file.js";
import { ByteBudget, createGrpcServer, createHopServer, hopSocketOf } from "@prism/wire";
import type { PatternDefinition } from "./lifecycle/pattern-definition.js";
import { PatternHost } from "./lifecycle/pattern-host.js";
import { startTracing } from "./tracing/start-tracing.js";
import { createLogger, type Logger } from "./logging/logger.js";

/** Options of servePattern (all optional: the defaults read the real process). */
export interface ServePatternOptions {
  /** Command-line arguments (default: process.argv.slice(2)). */
  argv?: string[];
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
  /** Install SIGTERM/SIGINT handlers and exit the process on fatal errors (default true). */
  manageProcess?: boolean;
}

/** A running pattern server. */
export interface ServingPattern {
  /** The host running the pattern instance. */
  host: PatternHost;
  /** Where it listens: a socket path or "host:port". */
  address: string;
  /** Drains, stops the instance and closes the server. */
  close(): Promise<void>;
}

/** Request bytes a pattern process buffers across all calls in flight. */
const bufferedRequestBytes = 256 * 1024 * 1024;

/** Stream-reset rate limits for the proxy, the one trusted peer on a pattern's unix socket. */
const trustedPeerResets = { streamResetBurst: 1_000_000, streamResetRate: 1_000_000 };

const usage = `usage: <pattern> (--socket PATH | --port N) [--host ADDR] [--config FILE] [--namespace NAME] [--managed] [--watch-parent]
  --socket PATH     serve gRPC on a unix socket
  --port N          serve gRPC on TCP port N (0 = any free port) at --host (default 127.0.0.1)
  --config FILE     YAML config merged over the pattern's defaults
  --namespace NAME  namespace name when running standalone (default "standalone")
  --managed         wait for a proxy to drive Initialize and Start (default: start at once)
  --watch-parent    exit when standard input closes (the proxy holds it open)`;

/** Runs `definition` as a pattern process. Resolves once it is listening. */
export async function servePattern(definition: PatternDefinition, options: ServePatternOptions = {}): Promise<ServingPattern> {
  const manageProcess = options.manageProcess ?? true;
  const logger = (options.logger ?? createLogger()).child({ pattern: definition.name });
  try {
    return await startServing(definition, options.argv ?? process.argv.slice(2), logger, manageProcess);
  } catch (error) {
    logger.error(`pattern ${definition.name} failed to start: ${(error as Error).message}`, { error });
    if (manageProcess) process.exit(1);
    throw error;
  }
}

async function startServing(
  definition: PatternDefinition,
  argv: string[],
  logger: Logger,
  manageProcess: boolean,
): Promise<ServingPattern> {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: "string" },
      port: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      config: { type: "string" },
      namespace: { type: "string", default: "standalone" },
      managed: { type: "boolean", default: false },
      "watch-parent": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if ((values.socket === undefined) === (values.port === undefined)) {
    throw new Error(`pass exactly one of --socket PATH or --port N\n${usage}`);
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`--port must be an integer 0..65535, got "${values.port}"`);
  }

  // Traced when the OTEL_* variables ask for it (the proxy sets them for its patterns when it traces).
  const tracing = await startTracing({
    serviceName: process.env.OTEL_SERVICE_NAME ?? `prism-pattern-${definition.name}`,
    attributes: { "prism.pattern": definition.name },
  });
  if (tracing !== undefined) logger.info(`tracing: spans are exported to ${tracing.destination}`);
  const host = new PatternHost(definition, { logger });
  if (!values.managed) {
    const fileConfig = values.config ? loadConfigFile(values.config) : {};
    await host.initialize(values.namespace, fileConfig, { file: values.config });
    await host.start();
  }
  const lifecycle = host.lifecycleMethods();
  const grpc = createGrpcServer((path) => host.methods.get(path) ?? lifecycle.get(path), {
    onConnectionError: (error) => logger.debug(`a connection to the pattern failed: ${error.message}`),
    onStreamError: (error) => logger.debug(`a call's stream failed: ${error.message}`),
    // Read per call: the limit comes with Initialize.
    get maxRequestBytes() {
      return host.requestLimit;
    },
    buffered: new ByteBudget(bufferedRequestBytes),
    // On a unix socket the one peer is the proxy, which may cancel thousands of calls at once when
    // its clients go away: Node's rapid-reset protection must not drop that connection. (Node 20
    // ignores these options; the proxy paces its resets below Node's defaults, see resetStream.)
    ...(values.socket ? trustedPeerResets : {}),
    // On its unix socket the one peer is the proxy, which tells who the (authenticated) caller is.
    trustIdentityHeader: values.socket !== undefined,
  });

  // Beside its gRPC socket, the proxy's unary calls come in the hop's leaner framing (HTTP/2 costs
  // more than the call itself there); it listens first, so it exists once the gRPC socket does.
  const hop = values.socket
    ? createHopServer((path) => host.methods.get(path), {
        onError: (error) => logger.debug(`a hop connection to the pattern failed: ${error.message}`),
        get maxRequestBytes() {
          return host.requestLimit;
        },
      })
    : undefined;
  if (values.socket && hop) {
    const hopSocket = hopSocketOf(values.socket);
    rmSync(hopSocket, { force: true });
    await new Promise<void>((resolve, reject) => {
      hop.server.once("error", reject);
      hop.server.listen(hopSocket, resolve);
    });
  }
  if (values.socket) rmSync(values.socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    grpc.server.once("error", reject);
    if (values.socket) grpc.server.listen(values.socket, resolve);
    else grpc.server.listen(port, values.host, resolve);
  });
  const address = values.socket ?? `${values.host}:${(grpc.server.address() as AddressInfo).port}`;
  logger.info(`pattern ${definition.name} ${definition.version} listening on ${address}`, {
    address,
    managed: values.managed,
    apis: host.apis,
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        const pending = await host.drain();
        if (pending > 0) logger.warn(`stopping with ${pending} call(s) still in flight`);
        await host.stop();
      } catch (error) {
        logger.error(`pattern ${definition.name} failed to stop cleanly: ${(error as Error).message}`, { error });
        throw error;
      } finally {
        await Promise.all([grpc.close(), hop?.close(), tracing?.shutdown()]);
        if (values.socket) {
          rmSync(values.socket, { force: true });
          rmSync(hopSocketOf(values.socket), { force: true });
        }
      }
      logger.info(`pattern ${definition.name} stopped`);
    })();
    return closing;
  };

  if (manageProcess) {
    const exit = (reason: string) => {
      logger.info(`shutting down: ${reason}`);
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGTERM", () => exit("SIGTERM"));
    process.once("SIGINT", () => exit("SIGINT"));
    if (values["watch-parent"]) {
      process.stdin.on("data", () => {});
      process.stdin.once("end", () => exit("parent closed standard input"));
      process.stdin.once("error", () => exit("parent closed standard input"));
    }
  }
  return { host, address, close };
}
