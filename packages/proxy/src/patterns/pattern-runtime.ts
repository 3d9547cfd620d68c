// The interface the router sees for one (namespace, API) pattern, whatever its isolation.
import type { Message } from "@bufbuild/protobuf";
import type { HealthReport } from "@prism/pattern-sdk";
import type { CallerIdentity } from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";

/** Options of a call made through the Connect / gRPC-Web front door. */
export interface InvokeOptions {
  /** Cancels the call. */
  signal: AbortSignal;
  /** Remaining deadline in milliseconds, when the caller set one. */
  timeoutMs: number | undefined;
  /** The caller's address (calls per client are bounded on the process hop). */
  client: string;
  /** The verified caller, when the proxy authenticates. */
  identity?: CallerIdentity | undefined;
  /** The W3C trace context to continue in the pattern (traceparent), when any. */
  traceparent?: string | undefined;
}

/** A started pattern serving one API of one namespace. */
export interface PatternRuntime {
  /** Human description for logs, for example `memstore (inprocess)`. */
  readonly description: string;
  /** Largest request message the binding accepts (its `limits.maxRequestBytes`). */
  readonly requestLimit: number;
  /** Restarts since it was started (a process pattern that died and came back); absent = never restarts. */
  readonly restarts?: number;
  /** Starts the pattern; rejects with a message naming the pattern and why it failed. */
  start(): Promise<void>;
  /** Drains and stops the pattern (for a process: Drain, Stop, SIGTERM, SIGKILL). */
  stop(): Promise<void>;
  /** Current health. */
  health(): Promise<HealthReport>;
  /** Serves a raw gRPC call (the hot path: in-process dispatch or a frame-level pipe). */
  serveGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, identity?: CallerIdentity): void;
  /** Calls a unary method with a decoded request (the Connect / gRPC-Web path). */
  invokeUnary(path: string, request: Message, options: InvokeOptions): Promise<Message>;
  /** Calls a server-streaming method with a decoded request (the Connect / gRPC-Web path). */
  invokeServerStreaming(path: string, request: Message, options: InvokeOptions): AsyncIterable<Message>;
}
