// PatternHost runs one pattern instance: it validates config, creates the instance, wraps its
// backends in validated data-plane handlers that refuse work unless started and count in-flight
// calls, and implements the lifecycle (initialize, start, drain, stop, health). servePattern
// exposes a host over gRPC; the proxy drives a host directly for in-process patterns.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { PubSubService } from "@prism/proto/pubsub/v1";
import { RegistryService } from "@prism/proto/registry/v1";
import { HealthCheckResponseSchema, HealthStatus, PatternLifecycleService, type HealthCheckResponse } from "@prism/proto/pattern/v1";
import { ConfigError } from "../config/config-error.js";
import { field, parseConfig, type ConfigLocation, type ConfigSchema } from "../config/config-schema.js";
import { addService, type CallContext, type GrpcMethod, type GrpcMethodTable, type ServiceHandlers } from "@prism/wire";
import { checkRequestLimits, requestLimitsSchema } from "../config/request-limits.js";
import { createKeyValueHandlers } from "../keyvalue/keyvalue-handlers.js";
import { keyValueLimitsSchema } from "../keyvalue/keyvalue-limits.js";
import { createPubSubHandlers } from "../pubsub/pubsub-handlers.js";
import { pubSubLimitsSchema } from "../pubsub/pubsub-limits.js";
import { createRegistryHandlers } from "../registry/registry-handlers.js";
import { registryLimitsSchema } from "../registry/registry-limits.js";
import type { Logger } from "../logging/logger.js";
import type { HealthReport } from "./health-report.js";
import { TrafficCounters } from "./traffic-counters.js";
import { type CallSpan, endCallSpan, startCallSpan, tracingEnabled, withCallSpan } from "../tracing/call-spans.js";
import type { PatternDefinition, PatternInstance } from "./pattern-definition.js";

/** Trailer of a failed Initialize naming the bad config field (rooted at "config"). */
export const configFieldHeader = "prism-config-field";

/** Trailer of a failed Initialize with the config problem, percent-encoded. */
export const configProblemHeader = "prism-config-problem";

/** Options of a PatternHost. */
export interface PatternHostOptions {
  /** Logger for lifecycle events. */
  logger: Logger;
  /** Default drain bound when Drain passes 0. */
  drainTimeoutMs?: number;
}

type HostState = "created" | "initialized" | "starting" | "serving" | "draining" | "stopped";

/** Runs one instance of a pattern definition. */
export class PatternHost {
  private state: HostState = "created";
  private starting: Promise<void> | undefined;
  private instance: PatternInstance | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly table: GrpcMethodTable = new Map();
  /** Deliveries, acks and multicast outcomes, reported in the health details. */
  private readonly counters = new TrafficCounters();
  private readonly drainTimeoutMs: number;
  /** Namespace given at initialize. */
  namespace = "";

  constructor(
    /** The pattern this host runs. */
    readonly definition: PatternDefinition,
    private readonly options: PatternHostOptions,
  ) {
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  }

  /** Full service names of the data-plane APIs the instance serves (after initialize). */
  get apis(): string[] {
    return [...new Set([...this.table.values()].map((method) => method.serviceName))];
  }

  /** Largest request message a call may carry (`limits.maxRequestBytes`; the default until initialize). */
  requestLimit: number = requestLimitsSchema.maxRequestBytes.default as number;

  /** Data-plane methods by path (empty before initialize). */
  get methods(): GrpcMethodTable {
    return this.table;
  }

  /** Validates `config` (the pattern's fields plus `limits`) and creates the instance. */
  async initialize(namespace: string, config: unknown, location: ConfigLocation = {}): Promise<string[]> {
    if (this.state !== "created") {
      throw new ConnectError(`pattern already initialized (state ${this.state})`, Code.FailedPrecondition);
    }
    const schema: ConfigSchema = {
      ...this.definition.config,
      limits: field.object("size limits enforced on every call", {
        ...keyValueLimitsSchema,
        ...pubSubLimitsSchema,
        ...registryLimitsSchema,
        ...requestLimitsSchema,
      }),
    };
    const parsed = parseConfig(schema, config, location) as Record<string, unknown>;
    const { limits, ...own } = parsed;
    const requestLimits = limits as Parameters<typeof checkRequestLimits>[0];
    checkRequestLimits(requestLimits, location);
    this.requestLimit = requestLimits.maxRequestBytes;
    const logger = this.options.logger.child({ namespace });
    try {
      this.instance = await this.definition.create(own as never, { namespace, logger });
    } catch (error) {
      // A pattern's own config check names its field; root it where the config came from.
      if (error instanceof ConfigError && error.file === undefined) {
        const base = location.path ? `${location.path}.` : "";
        throw new ConfigError({ file: location.file, field: `${base}${error.field}`, expected: error.expected, problem: error.problem });
      }
      throw error;
    }
    this.namespace = namespace;
    if (this.instance.keyvalue) {
      const handlers = createKeyValueHandlers(this.instance.keyvalue, limits as never);
      addService(KeyValueService, this.guard(KeyValueService, handlers), this.table);
    }
    if (this.instance.pubsub) {
      const handlers = createPubSubHandlers(this.instance.pubsub, limits as never, this.counters);
      addService(PubSubService, this.guard(PubSubService, handlers), this.table);
    }
    if (this.instance.registry) {
      const handlers = createRegistryHandlers(this.instance.registry, limits as never, this.counters);
      addService(RegistryService, this.guard(RegistryService, handlers), this.table);
    }
    this.state = "initialized";
    return this.apis;
  }

  /** Starts the instance; data-plane calls are accepted afterwards. */
  async start(): Promise<void> {
    if (this.state !== "initialized") {
      throw new ConnectError(`cannot start in state ${this.state}; call Initialize first`, Code.FailedPrecondition);
    }
    this.state = "starting";
    this.starting = Promise.resolve(this.instance?.start?.());
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
    if (this.state !== "starting") {
      // Stopped while starting: what start() opened is released by the stop that is under way.
      throw new ConnectError(`pattern was ${this.state} while starting`, Code.FailedPrecondition);
    }
    this.state = "serving";
  }

  /** Refuses new calls and waits up to `timeoutMs` for in-flight ones; returns how many remain. */
  async drain(timeoutMs = 0): Promise<number> {
    if (this.state === "serving") this.state = "draining";
    if (this.inFlight === 0) return 0;
    const bound = timeoutMs > 0 ? timeoutMs : this.drainTimeoutMs;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, bound);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.inFlight;
  }

  /** Stops the instance and releases its resources. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    // A start in progress finishes first, so stop() releases whatever it opened.
    await this.starting?.catch(() => {});
    await this.instance?.stop?.();
  }

  /** Current health; not serving is UNHEALTHY. */
  async health(): Promise<HealthReport> {
    if (this.state !== "serving") {
      return { status: this.state === "draining" ? "DEGRADED" : "UNHEALTHY", message: `pattern is ${this.state}` };
    }
    try {
      const report = (await this.instance?.health?.()) ?? { status: "HEALTHY" };
      const details = { ...report.details };
      const pubsub = this.instance?.pubsub;
      if (pubsub) Object.assign(details, { subscriptions: pubsub.subscriptionCount() }, this.counters.pubsubDetails());
      const registry = this.instance?.registry;
      if (registry) {
        details.identities = await registry.store.size();
        details.listeners = registry.messaging.listenerCount();
        Object.assign(details, this.counters.multicastDetails());
      }
      return pubsub || registry ? { ...report, details } : report;
    } catch (error) {
      return { status: "UNHEALTHY", message: `health check failed: ${(error as Error).message}` };
    }
  }

  /** The lifecycle service over this host, for servePattern. */
  lifecycleHandlers(): ServiceHandlers<typeof PatternLifecycleService> {
    return {
      initialize: async (request) => {
        let config: unknown = {};
        if (request.configJson) {
          try {
            config = JSON.parse(request.configJson);
          } catch (error) {
            throw new ConnectError(`config_json is not JSON: ${(error as Error).message}`, Code.InvalidArgument);
          }
        }
        try {
          const apis = await this.initialize(request.name, config, { path: "config" });
          return { patternName: this.definition.name, patternVersion: this.definition.version, apis };
        } catch (error) {
          if (error instanceof ConnectError) throw error;
          if (error instanceof ConfigError) {
            // The host re-roots the field in its own config file (namespaces.<ns>.<api>.config...).
            const metadata = { [configFieldHeader]: error.field, [configProblemHeader]: encodeURIComponent(error.problem) };
            throw new ConnectError(error.message, Code.InvalidArgument, metadata);
          }
          throw new ConnectError((error as Error).message, Code.InvalidArgument);
        }
      },
      start: async () => {
        await this.start();
        return {};
      },
      drain: async (request) => ({ pending: await this.drain(request.timeoutMs) }),
      stop: async () => {
        await this.stop();
        return {};
      },
      healthCheck: async () => healthResponse(await this.health()),
    };
  }

  /** Lifecycle methods by path. */
  lifecycleMethods(): GrpcMethodTable {
    return addService(PatternLifecycleService, this.lifecycleHandlers());
  }

  /** A span for a call of `service`/`method` under the call's trace context; undefined while tracing is off. */
  startSpan(service: DescService, method: string, context: CallContext): CallSpan | undefined {
    if (!tracingEnabled()) return undefined;
    return startCallSpan(`${this.definition.name} ${service.typeName}/${method}`, context.traceparent, {
      "rpc.system": "grpc",
      "rpc.service": service.typeName,
      "rpc.method": method,
      "prism.namespace": this.namespace ?? "",
      "prism.pattern": this.definition.name,
    });
  }

  private checkServing(): void {
    if (this.state !== "serving") {
      throw new ConnectError(
        `pattern ${this.definition.name} for namespace "${this.namespace}" is ${this.state}, not serving`,
        Code.Unavailable,
      );
    }
  }

  private enter(): void {
    this.checkServing();
    this.inFlight++;
  }

  private leave(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /**
   * Wraps every handler so calls are refused unless serving. Unary calls are counted while they
   * run (Drain waits for them); streams (subscriptions, publish streams) are long-lived and end
   * when the instance stops.
   */
  private guard<S extends object>(service: DescService, handlers: S): S {
    const guarded: Record<string, GrpcMethod["handler"]> = {};
    const host = this;
    for (const method of service.methods) {
      const name = method.localName;
      const handler = (handlers as Record<string, GrpcMethod["handler"]>)[name] as GrpcMethod["handler"];
      if (method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming") {
        guarded[name] = async function* (request: unknown, context: CallContext) {
          host.checkServing();
          const callSpan = host.startSpan(service, method.name, context);
          if (callSpan === undefined) {
            yield* handler(request, context) as AsyncIterable<unknown>;
            return;
          }
          try {
            yield* traced(callSpan, handler(request, context) as AsyncIterable<unknown>);
            endCallSpan(callSpan.span, 0);
          } catch (error) {
            const failure = ConnectError.from(error);
            endCallSpan(callSpan.span, failure.code, failure.rawMessage);
            throw error;
          } finally {
            if (callSpan.span.isRecording()) endCallSpan(callSpan.span, Code.Canceled);
          }
        };
        continue;
      }
      guarded[name] = async (request: unknown, context: CallContext) => {
        this.enter();
        const callSpan = this.startSpan(service, method.name, context);
        try {
          if (callSpan === undefined) return await handler(request, context);
          const response = await withCallSpan(callSpan, () => handler(request, context));
          endCallSpan(callSpan.span, 0);
          return response;
        } catch (error) {
          if (callSpan !== undefined) {
            const failure = ConnectError.from(error);
            endCallSpan(callSpan.span, failure.code, failure.rawMessage);
          }
          throw error;
        } finally {
          this.leave();
        }
      };
    }
    return guarded as S;
  }
}

/** Iterates `messages` with the call's span active, so backend spans and log lines of the stream nest under it. */
async function* traced(callSpan: CallSpan, messages: AsyncIterable<unknown>): AsyncIterable<unknown> {
  const iterator = withCallSpan(callSpan, () => messages[Symbol.asyncIterator]());
  try {
    while (true) {
      const next = await withCallSpan(callSpan, () => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

const healthStatusOf = {
  HEALTHY: HealthStatus.HEALTHY,
  DEGRADED: HealthStatus.DEGRADED,
  UNHEALTHY: HealthStatus.UNHEALTHY,
} as const;

/** Converts a HealthReport into the HealthCheck response message. */
export function healthResponse(report: HealthReport): HealthCheckResponse {
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(report.details ?? {})) details[key] = String(value);
  return create(HealthCheckResponseSchema, {
    status: healthStatusOf[report.status],
    message: report.message ?? "",
    details,
  });
}
