// Supervises a pattern running as a child process on a unix socket: spawn, wait for the socket
// with capped exponential backoff, Initialize + Start, periodic HealthCheck, restart with jittered
// backoff when it dies, and Drain → Stop → SIGTERM → SIGKILL at shutdown. Its stderr (JSON lines)
// is forwarded into the proxy's log, tagged, and the last lines are kept for error messages.
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type HealthReport, type Logger } from "@prism/pattern-sdk";
import { callServerStreaming, callUnary, respondWithStatus } from "@prism/wire";
import {
  DrainRequestSchema,
  DrainResponseSchema,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthStatus,
  InitializeRequestSchema,
  InitializeResponseSchema,
  StartRequestSchema,
  StartResponseSchema,
  StopRequestSchema,
  StopResponseSchema,
} from "@prism/proto/pattern/v1";
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { createConnection } from "node:net";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import type { DescMessage } from "@bufbuild/protobuf";
import { apiServices } from "../config/api-names.js";
import { forwardGrpcCall } from "../server/forward-grpc-call.js";
import type { InvokeOptions, PatternRuntime } from "./pattern-runtime.js";
import { HealthMonitor } from "./health-monitor.js";
import { restartDelayMs } from "./restart-backoff.js";
import { SessionPool, type SessionLease } from "./session-pool.js";

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
}

type ProcessState = "idle" | "starting" | "ready" | "restarting" | "stopping" | "stopped";

const logTailLines = 20;
const lifecycleTimeoutMs = 10_000;

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
  private readonly logTail: string[] = [];
  private restartAttempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly monitor: HealthMonitor;
  private pool: SessionPool | undefined;
  private startedAt = 0;
  private lastExit = "";
  /** Restarts performed since the proxy started (for tests and health details). */
  restarts = 0;

  constructor(private readonly options: PatternProcessOptions) {
    this.description = `${options.patternName} (process, namespace "${options.namespace}")`;
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

  /** Spawns the process and drives it to serving; rejects with a PatternStartError. */
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
    const proxied = { pid: this.pid ?? 0, restarts: this.restarts, callsInFlight: this.pool?.activeCalls ?? 0 };
    return { ...last, details: { ...last.details, ...proxied } };
  }

  /** Pipes the call to the pattern, or answers UNAVAILABLE while it is down. */
  serveGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const lease = this.lease();
    if (lease instanceof ConnectError) {
      respondWithStatus(stream, { code: lease.code, message: lease.rawMessage });
      return;
    }
    forwardGrpcCall(stream, headers, lease.session, this.description, lease.release);
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

  /** Calls a unary method of the pattern with a decoded request. */
  async invokeUnary(path: string, request: Message, options: InvokeOptions): Promise<Message> {
    const lease = this.lease();
    if (lease instanceof ConnectError) throw lease;
    const method = findMethod(path, request);
    try {
      return await callUnary(lease.session, path, method.input, method.output, request as never, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
    } finally {
      lease.release();
    }
  }

  /** Streams a server-streaming method of the pattern with a decoded request. */
  async *invokeServerStreaming(path: string, request: Message, options: InvokeOptions): AsyncIterable<Message> {
    const lease = this.lease();
    if (lease instanceof ConnectError) throw lease;
    const method = findMethod(path, request);
    try {
      yield* callServerStreaming(lease.session, path, method.input, method.output, request as never, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
    } finally {
      lease.release();
    }
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
      try {
        const drained = await callUnary(
          session,
          "/prism.pattern.v1.PatternLifecycleService/Drain",
          DrainRequestSchema,
          DrainResponseSchema,
          { timeoutMs: this.options.drainTimeoutMs },
          { timeoutMs: this.options.drainTimeoutMs + 1000 },
        );
        if (drained.pending > 0) this.options.logger.warn(`pattern drained with ${drained.pending} call(s) still in flight`);
        await callUnary(
          session,
          "/prism.pattern.v1.PatternLifecycleService/Stop",
          StopRequestSchema,
          StopResponseSchema,
          {},
          { timeoutMs: lifecycleTimeoutMs },
        );
      } catch (error) {
        this.options.logger.warn(`graceful stop failed: ${(error as Error).message}; terminating`);
      }
    }
    this.closeSession();
    await this.terminate();
    rmSync(this.options.socketPath, { force: true });
    this.state = "stopped";
  }

  private unavailableMessage(): string {
    const why = this.lastExit ? ` after it ${this.lastExit}` : "";
    return `pattern ${this.description} is ${this.state === "ready" ? "unreachable" : this.state}${why}; retry shortly`;
  }

  private async launch(): Promise<void> {
    const { command, socketPath, logger } = this.options;
    rmSync(socketPath, { force: true });
    const [program, ...args] = command as [string, ...string[]];
    const argv = [...args, "--socket", socketPath, "--managed", "--watch-parent"];
    logger.info(`starting pattern ${this.description}: ${[program, ...argv].join(" ")}`);
    // Its own process group: a Ctrl-C or a group-wide SIGTERM reaches the proxy only, which then
    // drains and stops patterns in order. If the proxy dies, --watch-parent ends the child.
    const child = spawn(program, argv, { cwd: this.options.cwd, stdio: ["pipe", "pipe", "pipe"], env: process.env, detached: true });
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
    child.stdin?.on("error", () => {});
    this.forwardOutput(child);

    const deadline = Date.now() + this.options.startTimeoutMs;
    let delay = 10;
    let session: ClientHttp2Session | undefined;
    while (!session) {
      if (exited !== undefined) throw this.startError(`the process ${exited}`, spawnError);
      session = await tryConnect(socketPath);
      if (session) break;
      if (Date.now() >= deadline) {
        await this.terminate();
        throw this.startError(`its socket ${socketPath} did not answer within ${this.options.startTimeoutMs} ms`);
      }
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
      delay = Math.min(delay * 2, 500);
    }
    this.adoptControlSession(session);
    try {
      const init = await callUnary(
        session,
        "/prism.pattern.v1.PatternLifecycleService/Initialize",
        InitializeRequestSchema,
        InitializeResponseSchema,
        { name: this.options.namespace, version: this.options.proxyVersion, configJson: JSON.stringify(this.options.config ?? {}) },
        { timeoutMs: lifecycleTimeoutMs },
      );
      this.description = `${init.patternName} (process, namespace "${this.options.namespace}")`;
      if (!init.apis.includes(this.options.serviceName)) {
        throw new Error(`it does not serve ${this.options.serviceName} (it serves: ${init.apis.join(", ") || "nothing"})`);
      }
      await callUnary(
        session,
        "/prism.pattern.v1.PatternLifecycleService/Start",
        StartRequestSchema,
        StartResponseSchema,
        {},
        { timeoutMs: lifecycleTimeoutMs },
      );
      this.startedAt = Date.now();
      logger.info(`pattern ${this.description} is serving ${init.apis.join(", ")} on ${socketPath}`, {
        pid: child.pid,
        pattern: init.patternName,
        patternVersion: init.patternVersion,
      });
    } catch (error) {
      await this.terminate();
      const message = (error as Error).message.replace(/^\[[a-z_]+\] /, "");
      const where = this.options.location.file ? `${this.options.location.file}: ` : "";
      throw this.startError(`Initialize/Start failed: ${message.replace(/^config\b/, `${where}${this.options.location.path}`)}`);
    }
    this.pool?.close();
    const pool = new SessionPool({
      connect: () => tryConnect(socketPath),
      maxSessions: 8,
      streamsPerSession: 4000,
      logger,
      describe: () => this.description,
    });
    this.pool = pool;
    if (!(await pool.open())) throw this.startError(`its socket ${socketPath} stopped answering after Start`);
    this.monitor.start();
  }

  private startError(reason: string, cause?: Error): PatternStartError {
    const tail = this.logTail.length ? `\n  last log lines:\n    ${this.logTail.join("\n    ")}` : "\n  (it logged nothing)";
    return new PatternStartError(
      `pattern ${this.description} failed to start: ${reason}\n  command: ${this.options.command.join(" ")}${tail}`,
      cause ? { cause } : undefined,
    );
  }

  private forwardOutput(child: ChildProcess): void {
    const pattern = this.options.patternName;
    const remember = (line: string) => {
      this.logTail.push(line);
      if (this.logTail.length > logTailLines) this.logTail.shift();
    };
    if (child.stderr) {
      createInterface({ input: child.stderr }).on("line", (line) => {
        remember(line);
        let record: Record<string, unknown> | undefined;
        try {
          const parsed: unknown = JSON.parse(line);
          if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) record = parsed as Record<string, unknown>;
        } catch {
          record = undefined;
        }
        const { msg, level, time: _time, ...fields } = record ?? {};
        const log = this.options.logger.child({ source: "pattern", pattern, pid: child.pid });
        const text = typeof msg === "string" ? msg : line;
        if (level === "error") log.error(text, fields);
        else if (level === "warn") log.warn(text, fields);
        else if (level === "debug") log.debug(text, fields);
        else log.info(text, fields);
      });
    }
    if (child.stdout) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        remember(line);
        this.options.logger.info(line, { source: "pattern-stdout", pattern, pid: child.pid });
      });
    }
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
    const delay = restartDelayMs(this.restartAttempt++, {
      initialDelayMs: this.options.restartInitialDelayMs,
      maxDelayMs: this.options.restartMaxDelayMs,
    });
    this.options.logger.error(`pattern ${this.description} ${how}; restarting in ${delay} ms (attempt ${this.restartAttempt})`, {
      lastLogLines: this.logTail.slice(-5),
    });
    this.restartTimer = setTimeout(() => void this.restart(), delay);
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
      const delay = restartDelayMs(this.restartAttempt++, {
        initialDelayMs: this.options.restartInitialDelayMs,
        maxDelayMs: this.options.restartMaxDelayMs,
      });
      this.options.logger.error(`${(error as Error).message}\n  retrying in ${delay} ms`);
      this.restartTimer = setTimeout(() => void this.restart(), delay);
    }
  }

  private async checkHealth(): Promise<HealthReport> {
    let session = this.session;
    if (!session || session.closed || session.destroyed) {
      // The control connection was lost while the process lives: open a new one.
      session = await tryConnect(this.options.socketPath);
      if (!session) return { status: "UNHEALTHY", message: "the pattern process does not answer on its socket" };
      if (this.state !== "ready") {
        session.destroy();
        return { status: "UNHEALTHY", message: `pattern process is ${this.state}` };
      }
      this.adoptControlSession(session);
    }
    const response = await callUnary(
      session,
      "/prism.pattern.v1.PatternLifecycleService/HealthCheck",
      HealthCheckRequestSchema,
      HealthCheckResponseSchema,
      {},
      {
        timeoutMs: Math.min(2000, this.options.healthIntervalMs),
      },
    );
    const status =
      response.status === HealthStatus.HEALTHY ? "HEALTHY" : response.status === HealthStatus.DEGRADED ? "DEGRADED" : "UNHEALTHY";
    return { status, message: response.message, details: response.details };
  }

  /** Uses `session` for lifecycle calls and health checks. */
  private adoptControlSession(session: ClientHttp2Session): void {
    this.session = session;
    session.on("error", () => {});
    session.once("close", () => {
      if (this.session === session) this.session = undefined;
    });
  }

  private closeSession(): void {
    this.pool?.close();
    this.pool = undefined;
    const session = this.session;
    this.session = undefined;
    if (session && !session.destroyed) session.destroy();
  }

  private async terminate(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const killTimer = setTimeout(() => {
      this.options.logger.warn(`pattern ${this.description} ignored SIGTERM for ${this.options.stopGraceMs} ms; sending SIGKILL`);
      child.kill("SIGKILL");
    }, this.options.stopGraceMs);
    await gone;
    clearTimeout(killTimer);
  }
}

/** Opens an HTTP/2 session on a unix socket, or undefined when nothing answers yet. */
function tryConnect(socketPath: string): Promise<ClientHttp2Session | undefined> {
  return new Promise((resolve) => {
    const session = connect("http://pattern", { createConnection: () => createConnection(socketPath) });
    const fail = () => {
      session.destroy();
      resolve(undefined);
    };
    session.once("error", fail);
    session.once("connect", () => {
      session.off("error", fail);
      resolve(session);
    });
  });
}

function findMethod(path: string, request: Message): { input: DescMessage; output: DescMessage } {
  const method = methodRegistry.get(path);
  if (!method) throw new ConnectError(`no method ${path} (request ${request.$typeName})`, Code.Unimplemented);
  return method;
}

/** Request and response schemas of every data-plane method, by path. */
const methodRegistry = new Map<string, { input: DescMessage; output: DescMessage }>(
  Object.values(apiServices).flatMap((service) =>
    service.methods.map((method) => [`/${service.typeName}/${method.name}`, { input: method.input, output: method.output }]),
  ),
);
