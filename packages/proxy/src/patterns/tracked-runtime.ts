// A pattern runtime that counts the unary calls the router handed it and that have not ended,
// so a runtime taken out of the router (namespace updated or deleted) is stopped only once the
// calls already routed to it are done: none of them fails because its pattern was drained while
// the request was still arriving. Subscriptions are not waited for: stopping the pattern ends them.
import type { Message } from "@bufbuild/protobuf";
import type { HealthReport } from "@prism/pattern-sdk";
import type { CallerIdentity } from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { apiServices } from "../config/api-names.js";
import type { InvokeOptions, PatternRuntime } from "./pattern-runtime.js";

/** Paths of the server-streaming data-plane methods (long-lived calls, not waited for). */
const streamingPaths: ReadonlySet<string> = new Set(
  Object.values(apiServices).flatMap((service) =>
    service.methods.filter((method) => method.methodKind === "server_streaming").map((method) => `/${service.typeName}/${method.name}`),
  ),
);

/** Wraps a runtime with a count of its unary calls in flight. */
export class TrackedRuntime implements PatternRuntime {
  private unaryCalls = 0;
  private idleWaiters: (() => void)[] = [];
  /** Bound once: a call's end, as a stream "close" listener (no allocation per call). */
  private readonly release = () => {
    if (--this.unaryCalls === 0 && this.idleWaiters.length > 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  };

  constructor(
    /** The runtime doing the work. */
    readonly inner: PatternRuntime,
  ) {}

  /** The inner runtime's description (a process pattern renames itself once initialized). */
  get description(): string {
    return this.inner.description;
  }

  /** The inner runtime's request limit. */
  get requestLimit(): number {
    return this.inner.requestLimit;
  }

  /** The inner runtime's restarts (0 when it never restarts). */
  get restarts(): number {
    return this.inner.restarts ?? 0;
  }

  /** Unary calls handed to it that have not ended yet. */
  get callsInFlight(): number {
    return this.unaryCalls;
  }

  /** Starts the inner runtime. */
  start(): Promise<void> {
    return this.inner.start();
  }

  /** Stops the inner runtime at once (see whenIdle to let routed calls finish first). */
  stop(): Promise<void> {
    return this.inner.stop();
  }

  /** The inner runtime's health. */
  health(): Promise<HealthReport> {
    return this.inner.health();
  }

  /** Resolves true once no unary call is in flight, or false after `timeoutMs` with calls still running. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.unaryCalls === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(wake);
    });
  }

  /** Counts a unary call until its stream closes, then hands it on. */
  serveGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, identity?: CallerIdentity): void {
    if (!stream.closed && !streamingPaths.has(headers[":path"] ?? "")) {
      this.unaryCalls++;
      stream.on("close", this.release);
    }
    this.inner.serveGrpc(stream, headers, identity);
  }

  /** Counts the call while it runs. */
  async invokeUnary(path: string, request: Message, options: InvokeOptions): Promise<Message> {
    this.unaryCalls++;
    try {
      return await this.inner.invokeUnary(path, request, options);
    } finally {
      this.release();
    }
  }

  /** Hands a server-streaming call on (not counted). */
  invokeServerStreaming(path: string, request: Message, options: InvokeOptions): AsyncIterable<Message> {
    return this.inner.invokeServerStreaming(path, request, options);
  }
}
