// Supervises a pattern running as a child process on a unix socket: spawn it, wait for its socket,
// Initialize + Start, health polling, restart with jittered backoff when it dies, and Drain → Stop
// → SIGTERM → SIGKILL at shutdown. Output forwarding, socket waits, lifecycle calls and process
// termination live in their own modules; this one holds the state machine and call leasing.
import type { Message } from "@bufbuild/protobuf";
import { Code, ConfigError, ConnectError, type HealthReport, type Logger } from "@prism/pattern-sdk";
import { configFieldHeader, configProblemHeader } from "@prism/pattern-sdk/host";
import {
  type ByteBudget,
  type CallerIdentity,
  callerIdentityHeader,
  callServerStreaming,
  callUnary,
  encodeCallerIdentity,
  resetBudget,
  respondWithStatus,
  hopSocketOf,
} from "@prism/wire";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import type { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { dataPlaneMethods, type MethodSchemas } from "../config/api-names.js";
import type { RefusalLog } from "../server/call-refusals.js";
import { type ForwardOptions, forwardGrpcCall } from "../server/forward-grpc-call.js";
import { forwardUnaryOverHop } from "../server/forward-unary-over-hop.js";
import { HopConnection } from "./hop-connection.js";
import type { ClientCalls } from "./client-calls.js";
import { HealthMonitor } from "./health-monitor.js";
import { LifecycleClient } from "./lifecycle-client.js";
import { PatternOutput } from "./pattern-output.js";
import type { InvokeOptions, PatternRuntime } from "./pattern-runtime.js";
import { connectToSocket, waitForSocket } from "./pattern-socket.js";
import { restartDelayMs } from "./restart-backoff.js";
import { type SessionLease, SessionPool } from "./session-pool.js";
import { terminateChild } from "./terminate-child.js";

/** Options of a supervised pattern process. */
export interface PatternProcessOptions {
  /** Namespace served (sent in Initialize). */
  namespace: string;
  /** Pattern name for logs: the backend name or the command's program. */
  patternName: string;
  /** argv of the pattern; the proxy appends --socket, --managed and --watch-parent. */
  command: string[];
  /** Working directory of the process (the config file's folder), so relative paths in `command` resolve there. */
  cwd: string;
  /** Environment of the process (default: the proxy's). */
  env?: NodeJS.ProcessEnv | undefined;
  /** The binding's `config:` block, sent as JSON in Initialize. */
  config: unknown;
  /** Config file and field of that block, to prefix validation errors. */
  location: { file: string | undefined; path: string };
  /** Unix socket path to serve on. */
  socketPath: string;
  /** Full name of the service this binding must serve. */
  serviceName: string;
  /** Proxy version, sent in Initialize. */
  proxyVersion: string;
  /** Bound on waiting for the socket to answer. */
  startTimeoutMs: number;
  /** HealthCheck period. */
  healthIntervalMs: number;
  /** How unary calls travel: "framed" (the hop framing, when the pattern serves it) or "http2". */
  processHop?: "framed" | "http2";
  /** Drain bound at shutdown. */
  drainTimeoutMs: number;
  /** SIGTERM → SIGKILL grace. */
  stopGraceMs: number;
  /** Restart backoff bounds. */
  restartInitialDelayMs: number;
  /** Restart backoff cap. */
  restartMaxDelayMs: number;
  /** Logger tagged with namespace and API. */
  logger: Logger;
  /** Largest request message (the binding's `limits.maxRequestBytes`). */
  requestLimit: number;
  /** Longest deadline honoured; longer ones are clamped. */
  maxDeadlineMs: number;
  /** Calls in flight per client address, shared by every process pattern of the proxy. */
  clientCalls: ClientCalls;
  /** Request bytes buffered across every call of the proxy (forwarded requests count until they have arrived). */
  buffered: ByteBudget;
  /** Told of every call refused for a bound. */
  onRefused: RefusalLog;
}

/** HTTP/2 connections the proxy keeps to one pattern process. */
const poolSessions = 8;
/** Calls per connection (below the pattern server's stream limit). */
const poolStreamsPerSession = 4000;

type ProcessState = "idle" | "starting" | "ready" | "restarting" | "stopping" | "stopped";

/** Error of a pattern that could not be started; its message names the pattern, command and last log lines. */
export class PatternStartError extends Error {
  override readonly name = "PatternStartError";
}

/** A pattern process under supervision. */
export class PatternProcess implements PatternRuntime {
  /** Human description; names the pattern as it introduced itself once Initialize has answered. */
  description: string;
  private state: ProcessState = "idle";
  private child: ChildProcess | undefined;
  private session: ClientHttp2Session | undefined;
  private readonly output: PatternOutput;
  private restartAttempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly monitor: HealthMonitor;
  private pool: SessionPool | undefined;
  /** The pattern's hop connection for unary calls, when it serves one. */
  private hop: HopConnection | undefined;
  private startedAt = 0;
  private lastExit = "";
  /** Restarts performed since the proxy started (for tests and health details). */
  restarts = 0;
  /** Largest request message the binding accepts. */
  readonly requestLimit: number;
  private readonly forwarding: ForwardOptions;
  /** Calls the pool takes before health says DEGRADED (saturated). */
  private readonly saturatedAt: number;

  constructor(private readonly options: PatternProcessOptions) {
    this.description = `${options.patternName} (process, namespace "${options.namespace}")`;
    this.output = new PatternOutput(options.patternName, options.logger);
    this.requestLimit = options.requestLimit;
    this.forwarding = {
      describe: () => this.description,
      requestLimit: options.requestLimit,
      maxDeadlineMs: options.maxDeadlineMs,
      onStreamError: (error) => options.logger.debug(`a caller's stream failed: ${error.message}`),
      buffered: options.buffered,
      onRefused: options.onRefused,
    };
    this.saturatedAt = Math.floor(poolSessions * poolStreamsPerSession * 0.9);
    this.monitor = new HealthMonitor({
      check: () => this.checkHealth(),
      intervalMs: options.healthIntervalMs,
      logger: options.logger,
      describe: () => this.description,
    });
  }

  /** The child's pid while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process and drives it to serving; rejects with a PatternStartError (or a ConfigError for bad config). */
  async start(): Promise<void> {
    this.state = "starting";
    await this.launch();
    this.state = "ready";
  }

  /** Last health report (refreshed every healthIntervalMs). */
  async health(): Promise<HealthReport> {
    if (this.state !== "ready") {
      return { status: "UNHEALTHY", message: `pattern process is ${this.state}${this.lastExit ? ` (${this.lastExit})` : ""}` };
    }
    const last = this.monitor.last;
    const callsInFlight = this.pool?.activeCalls ?? 0;
    const proxied = { pid: this.pid ?? 0, restarts: this.restarts, callsInFlight };
    if (callsInFlight >= this.saturatedAt && last.status === "HEALTHY") {
      const message = `saturated: ${callsInFlight} calls in flight of the ${poolSessions * poolStreamsPerSession} its connections take`;
      return { status: "DEGRADED", message, details: { ...last.details, ...proxied } };
    }
    return { ...last, details: { ...last.details, ...proxied } };
  }

  /** Pipes the call to the pattern, or answers UNAVAILABLE while it is down (RESOURCE_EXHAUSTED past a bound). */
  serveGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, identity?: CallerIdentity): void {
    const client = stream.session?.socket?.remoteAddress ?? "unknown";
    const lease = this.clientLease(client);
    if (lease instanceof ConnectError) {
      respondWithStatus(stream, { code: lease.code, message: lease.rawMessage });
      return;
    }
    const hop = this.hop;
    if (hop !== undefined && dataPlaneMethods.get(headers[":path"] ?? "")?.unary) {
      forwardUnaryOverHop(stream, headers, client, hop, this.forwarding, lease.release, identity);
      return;
    }
    forwardGrpcCall(stream, headers, client, lease.session, this.forwarding, lease.release, identity);
  }

  /** Calls a unary method of the pattern with a decoded request. */
  async invokeUnary(path: string, request: Message, options: InvokeOptions): Promise<Message> {
    const lease = this.clientLease(options.client);
    if (lease instanceof ConnectError) throw lease;
    try {
      const method = findMethod(path, request);
      return await callUnary(lease.session, path, method.input, method.output, request as never, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        headers: callHeaders(options),
      });
    } finally {
      lease.release();
    }
  }

  /** Streams a server-streaming method of the pattern with a decoded request. */
  async *invokeServerStreaming(path: string, request: Message, options: InvokeOptions): AsyncIterable<Message> {
    const lease = this.clientLease(options.client);
    if (lease instanceof ConnectError) throw lease;
    try {
      const method = findMethod(path, request);
      yield* callServerStreaming(lease.session, path, method.input, method.output, request as never, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        headers: callHeaders(options),
      });
    } finally {
      lease.release();
    }
  }

  /** A session for one call of `client`, counted against its calls in flight; or the error to answer with (refusals logged). */
  private clientLease(client: string): SessionLease | ConnectError {
    const { clientCalls, onRefused } = this.options;
    if (!clientCalls.tryAcquire(client)) {
      const message = `this client has ${clientCalls.of(client)} calls in flight to process patterns, overload.maxCallsPerClient; retry shortly`;
      onRefused(message, client);
      return new ConnectError(message, Code.ResourceExhausted);
    }
    const lease = this.lease();
    if (lease instanceof ConnectError) {
      clientCalls.release(client);
      if (lease.code === Code.ResourceExhausted) onRefused(lease.rawMessage, client);
      return lease;
    }
    let released = false;
    return {
      session: lease.session,
      release: () => {
        if (released) return;
        released = true;
        lease.release();
        clientCalls.release(client);
      },
    };
  }

  /** Drain → Stop → SIGTERM → SIGKILL; resolves when the process is gone. */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    const wasReady = this.state === "ready";
    this.state = "stopping";
    clearTimeout(this.restartTimer);
    this.monitor.stop();
    const session = this.session;
    if (wasReady && session && !session.closed) {
      const lifecycle = new LifecycleClient(session);
      try {
        const pending = await lifecycle.drain(this.options.drainTimeoutMs);
        if (pending > 0) this.options.logger.warn(`pattern drained with ${pending} call(s) still in flight`);
        await lifecycle.stop();
      } catch (error) {
        this.options.logger.warn(`graceful stop failed: ${(error as Error).message}; terminating`);
      }
    }
    this.closeSession();
    await this.terminate();
    removeSockets(this.options.socketPath);
    this.state = "stopped";
  }

  /** A session for one data-plane call, or the error to answer with. */
  private lease(): SessionLease | ConnectError {
    const lease = this.state === "ready" && this.pool ? this.pool.acquire() : "connecting";
    if (lease === "at-capacity") {
      return new ConnectError(
        `pattern ${this.description} has ${this.pool?.activeCalls} calls in flight, its limit; retry shortly`,
        Code.ResourceExhausted,
      );
    }
    if (lease === "connecting") return new ConnectError(this.unavailableMessage(), Code.Unavailable);
    return lease;
  }

  private unavailableMessage(): string {
    const why = this.lastExit ? ` after it ${this.lastExit}` : "";
    return `pattern ${this.description} is ${this.state === "ready" ? "unreachable" : this.state}${why}; retry shortly`;
  }

  private async launch(): Promise<void> {
    const { command, socketPath, logger } = this.options;
    // A hop socket left by a killed process must not pass for the next one's (it may not serve one).
    removeSockets(socketPath);
    const [program, ...args] = command as [string, ...string[]];
    const argv = [...args, "--socket", socketPath, "--managed", "--watch-parent"];
    logger.info(`starting pattern ${this.description}: ${[program, ...argv].join(" ")}`, { cwd: this.options.cwd });
    // Its own process group: a Ctrl-C or a group-wide SIGTERM reaches the proxy only, which then
    // drains and stops patterns in order. If the proxy dies, --watch-parent ends the child.
    const child = spawn(program, argv, {
      cwd: this.options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      env: this.options.env ?? process.env,
      detached: true,
    });
    this.child = child;
    let exited: string | undefined;
    let spawnError: Error | undefined;
    child.once("error", (error) => {
      spawnError = error;
      exited = `could not be spawned: ${error.message}`;
    });
    child.once("exit", (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.onExit(child, exited);
    });
    // The pattern's stdin only tells it that the proxy lives; a write error means it is gone.
    child.stdin?.on("error", (error) => logger.debug(`pattern stdin closed: ${error.message}`));
    this.output.attach(child);

    const waited = await waitForSocket(socketPath, this.options.startTimeoutMs, () => exited, logger);
    if ("kind" in waited) {
      if (waited.kind === "exited") throw this.startError(`the process ${waited.how}`, spawnError);
      await this.terminate();
      throw this.startError(`its socket ${socketPath} did not answer within ${this.options.startTimeoutMs} ms`);
    }
    const session = waited;
    this.adoptControlSession(session);
    try {
      const lifecycle = new LifecycleClient(session);
      const init = await lifecycle.initialize(this.options.namespace, this.options.proxyVersion, this.options.config);
      this.description = `${init.patternName} (process, namespace "${this.options.namespace}")`;
      if (!init.apis.includes(this.options.serviceName)) {
        throw new Error(`it does not serve ${this.options.serviceName} (it serves: ${init.apis.join(", ") || "nothing"})`);
      }
      await lifecycle.start();
      this.startedAt = Date.now();
      logger.info(`pattern ${this.description} is serving ${init.apis.join(", ")} on ${socketPath}`, {
        pid: child.pid,
        pattern: init.patternName,
        patternVersion: init.patternVersion,
      });
    } catch (error) {
      await this.terminate();
      throw this.configError(error) ?? this.startError(`Initialize/Start failed: ${(error as Error).message.replace(/^\[[a-z_]+\] /, "")}`);
    }
    this.pool?.close();
    const pool = new SessionPool({
      connect: () => connectToSocket(socketPath, logger),
      maxSessions: poolSessions,
      streamsPerSession: poolStreamsPerSession,
      // Each session may reset resetBudget.burst calls at once (then a few a second): keep sessions
      // well below that, so a client that vanishes with its calls rarely has to wait for the budget.
      growAt: resetBudget.burst / 2,
      logger,
      describe: () => this.description,
    });
    this.pool = pool;
    if (!(await pool.open())) throw this.startError(`its socket ${socketPath} stopped answering after Start`);
    // A pattern on this SDK also serves unary calls in the hop's leaner framing; an older or
    // foreign one gets every call over HTTP/2.
    this.hop?.close();
    const framed = this.options.processHop !== "http2" && existsSync(hopSocketOf(socketPath));
    this.hop = framed ? new HopConnection(hopSocketOf(socketPath), () => this.description) : undefined;
    this.monitor.start();
  }

  /** The binding's ConfigError when Initialize refused its config, re-rooted at the field in prism.yaml. */
  private configError(error: unknown): ConfigError | undefined {
    if (!(error instanceof ConnectError) || error.code !== Code.InvalidArgument) return undefined;
    const field = error.metadata.get(configFieldHeader);
    const problem = error.metadata.get(configProblemHeader);
    if (field === null || problem === null) return undefined;
    const { file, path } = this.options.location;
    return new ConfigError({ file, field: field.replace(/^config/, path), expected: "", problem: decodeURIComponent(problem) });
  }

  private startError(reason: string, cause?: Error): PatternStartError {
    const lines = this.output.tail;
    const tail = lines.length ? `\n  last log lines:\n    ${lines.join("\n    ")}` : "\n  (it logged nothing)";
    return new PatternStartError(
      `pattern ${this.description} failed to start: ${reason}\n  command: ${this.options.command.join(" ")}${tail}`,
      cause ? { cause } : undefined,
    );
  }

  private onExit(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.closeSession();
    if (this.state !== "ready") return;
    this.lastExit = how;
    this.state = "restarting";
    this.monitor.stop();
    if (Date.now() - this.startedAt > 30_000) this.restartAttempt = 0;
    const delay = this.nextRestartDelay();
    this.options.logger.error(`pattern ${this.description} ${how}; restarting in ${delay} ms (attempt ${this.restartAttempt})`, {
      lastLogLines: this.output.tail.slice(-5),
    });
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private nextRestartDelay(): number {
    return restartDelayMs(this.restartAttempt++, {
      initialDelayMs: this.options.restartInitialDelayMs,
      maxDelayMs: this.options.restartMaxDelayMs,
    });
  }

  private async restart(): Promise<void> {
    if (this.state !== "restarting") return;
    try {
      await this.launch();
      if (this.state !== "restarting") return;
      this.state = "ready";
      this.restarts++;
      this.lastExit = "";
      this.options.logger.info(`pattern ${this.description} restarted`, { pid: this.pid, restarts: this.restarts });
    } catch (error) {
      if (this.state !== "restarting") return;
      const delay = this.nextRestartDelay();
      this.options.logger.error(`${(error as Error).message}\n  retrying in ${delay} ms`);
      this.restartTimer = setTimeout(() => void this.restart(), delay);
    }
  }

  private async checkHealth(): Promise<HealthReport> {
    let session = this.session;
    if (!session || session.closed || session.destroyed) {
      // The control connection was lost while the process lives: open a new one.
      session = await connectToSocket(this.options.socketPath, this.options.logger);
      if (!session) return { status: "UNHEALTHY", message: "the pattern process does not answer on its socket" };
      if (this.state !== "ready") {
        session.destroy();
        return { status: "UNHEALTHY", message: `pattern process is ${this.state}` };
      }
      this.adoptControlSession(session);
    }
    return new LifecycleClient(session).healthCheck(Math.min(2000, this.options.healthIntervalMs));
  }

  /** Uses `session` for lifecycle calls and health checks. */
  private adoptControlSession(session: ClientHttp2Session): void {
    this.session = session;
    session.on("error", (error) => this.options.logger.debug(`control session to ${this.description} failed: ${error.message}`));
    session.once("close", () => {
      if (this.session === session) this.session = undefined;
    });
  }

  private closeSession(): void {
    this.pool?.close();
    this.pool = undefined;
    this.hop?.close();
    this.hop = undefined;
    const session = this.session;
    this.session = undefined;
    if (session && !session.destroyed) session.destroy();
  }

  private terminate(): Promise<void> {
    return terminateChild(this.child, this.options.stopGraceMs, () =>
      this.options.logger.warn(`pattern ${this.description} ignored SIGTERM for ${this.options.stopGraceMs} ms; sending SIGKILL`),
    );
  }
}

/** The request header telling the pattern who the caller is (none on an open proxy). */
/** The headers carrying the caller and the trace context to the pattern. */
function callHeaders(options: InvokeOptions): OutgoingHttpHeaders | undefined {
  if (options.identity === undefined && options.traceparent === undefined) return undefined;
  const headers: OutgoingHttpHeaders = {};
  if (options.identity !== undefined) headers[callerIdentityHeader] = encodeCallerIdentity(options.identity);
  if (options.traceparent !== undefined) headers.traceparent = options.traceparent;
  return headers;
}

function findMethod(path: string, request: Message): MethodSchemas {
  const method = dataPlaneMethods.get(path);
  if (!method) throw new ConnectError(`no method ${path} (request ${request.$typeName})`, Code.Unimplemented);
  return method;
}

/** Removes a pattern's gRPC socket file and its hop socket file. */
function removeSockets(socketPath: string): void {
  rmSync(socketPath, { force: true });
  rmSync(hopSocketOf(socketPath), { force: true });
}
