// A pattern loaded into the proxy process: calls go straight to its handlers, no hop.
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type HealthReport, type Logger, type PatternDefinition } from "@prism/pattern-sdk";
import { PatternHost } from "@prism/pattern-sdk/host";
import {
  type ByteBudget,
  type CallerIdentity,
  type GrpcMethod,
  respondWithStatus,
  type ServeCallOptions,
  serveGrpcCall,
} from "@prism/wire";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { RefusalLog } from "../server/call-refusals.js";
import { HealthMonitor } from "./health-monitor.js";
import { requestLimitOf } from "./request-limit.js";
import type { InvokeOptions, PatternRuntime } from "./pattern-runtime.js";

/** Options of an in-process pattern. */
export interface InProcessPatternOptions {
  /** Namespace served. */
  namespace: string;
  /** The pattern definition to run. */
  definition: PatternDefinition;
  /** The binding's `config:` block. */
  config: unknown;
  /** Config file and field path of that block, for error messages. */
  location: { file: string | undefined; path: string };
  /** Full name of the service this binding must serve, for example prism.pubsub.v1.PubSubService. */
  serviceName: string;
  /** Drain bound at shutdown. */
  drainTimeoutMs: number;
  /** Health poll period (state changes are logged). */
  healthIntervalMs: number;
  /** Logger tagged with namespace and API. */
  logger: Logger;
  /** Request bytes buffered across every call of the proxy. */
  buffered: ByteBudget;
  /** Longest deadline honoured; longer ones are clamped. */
  maxDeadlineMs: number;
  /** Told of every call refused for a bound. */
  onRefused: RefusalLog;
}

/** Runs a pattern definition inside the proxy. */
export class InProcessPattern implements PatternRuntime {
  readonly description: string;
  private readonly host: PatternHost;
  private readonly monitor: HealthMonitor;
  private readonly callOptions: ServeCallOptions;
  /** Largest request message the binding accepts. */
  readonly requestLimit: number;

  constructor(private readonly options: InProcessPatternOptions) {
    this.description = `${options.definition.name} (inprocess)`;
    this.host = new PatternHost(options.definition, { logger: options.logger, drainTimeoutMs: options.drainTimeoutMs });
    const host = this.host;
    this.requestLimit = requestLimitOf(options.config);
    this.callOptions = {
      onStreamError: (error) => options.logger.debug(`a call's stream failed: ${error.message}`),
      buffered: options.buffered,
      maxDeadlineMs: options.maxDeadlineMs,
      onRefused: options.onRefused,
      // Read per call: the pattern's own limit, known once it is initialized.
      get maxRequestBytes() {
        return host.requestLimit;
      },
    };
    this.monitor = new HealthMonitor({
      check: () => this.host.health(),
      intervalMs: options.healthIntervalMs,
      logger: options.logger,
      describe: () => `${this.description} for namespace "${options.namespace}"`,
    });
  }

  /** Validates the config, creates and starts the instance. */
  async start(): Promise<void> {
    const apis = await this.host.initialize(this.options.namespace, this.options.config, this.options.location);
    if (!apis.includes(this.options.serviceName)) {
      await this.host.stop();
      throw new Error(
        `pattern ${this.options.definition.name} does not serve ${this.options.serviceName} (it serves: ` +
          `${apis.join(", ") || "nothing"}); bind it to another API in ${this.options.location.path.replace(/\.config$/, "")}`,
      );
    }
    await this.host.start();
    this.monitor.start();
  }

  /** Drains in-flight calls, then stops the instance. */
  async stop(): Promise<void> {
    this.monitor.stop();
    const pending = await this.host.drain(this.options.drainTimeoutMs);
    if (pending > 0) this.options.logger.warn(`stopping with ${pending} call(s) still in flight`);
    await this.host.stop();
  }

  /** The instance's own health report. */
  health(): Promise<HealthReport> {
    return this.host.health();
  }

  /** Decodes and serves the call with the pattern's handler. */
  serveGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, identity?: CallerIdentity): void {
    const method = this.host.methods.get(headers[":path"] as string);
    if (!method) {
      respondWithStatus(stream, { code: Code.Unimplemented, message: `${this.description} does not serve ${headers[":path"]}` });
      return;
    }
    void serveGrpcCall(stream, headers, method, this.callOptions, identity);
  }

  /** Calls the pattern's handler directly. */
  async invokeUnary(path: string, request: Message, options: InvokeOptions): Promise<Message> {
    return (await this.method(path).handler(request, {
      signal: options.signal,
      identity: options.identity,
      traceparent: options.traceparent,
    })) as Message;
  }

  /** Iterates the pattern's streaming handler directly. */
  invokeServerStreaming(path: string, request: Message, options: InvokeOptions): AsyncIterable<Message> {
    return this.method(path).handler(request, {
      signal: options.signal,
      identity: options.identity,
      traceparent: options.traceparent,
    }) as AsyncIterable<Message>;
  }

  private method(path: string): GrpcMethod {
    const method = this.host.methods.get(path);
    if (!method) throw new ConnectError(`${this.description} does not serve ${path}`, Code.Unimplemented);
    return method;
  }
}
