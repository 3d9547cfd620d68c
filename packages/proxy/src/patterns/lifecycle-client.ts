// The proxy's side of PatternLifecycleService: typed Initialize, Start, Drain, Stop and
// HealthCheck calls over a pattern's control session, each with a deadline.
import type { HealthReport } from "@prism/pattern-sdk";
import {
  DrainRequestSchema,
  DrainResponseSchema,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthStatus,
  type InitializeResponse,
  InitializeRequestSchema,
  InitializeResponseSchema,
  StartRequestSchema,
  StartResponseSchema,
  StopRequestSchema,
  StopResponseSchema,
} from "@prism/proto/pattern/v1";
import { callUnary } from "@prism/wire";
import type { ClientHttp2Session } from "node:http2";

const service = "/prism.pattern.v1.PatternLifecycleService";

/** Deadline of Initialize, Start and Stop. */
export const lifecycleTimeoutMs = 10_000;

/** Lifecycle calls on one session. */
export class LifecycleClient {
  constructor(private readonly session: ClientHttp2Session) {}

  /** Sends the namespace, the proxy's version and the binding's config; the pattern answers with what it serves. */
  initialize(namespace: string, proxyVersion: string, config: unknown): Promise<InitializeResponse> {
    const request = { name: namespace, version: proxyVersion, configJson: JSON.stringify(config ?? {}) };
    return callUnary(this.session, `${service}/Initialize`, InitializeRequestSchema, InitializeResponseSchema, request, {
      timeoutMs: lifecycleTimeoutMs,
    });
  }

  /** Starts the initialized pattern. */
  async start(): Promise<void> {
    await callUnary(this.session, `${service}/Start`, StartRequestSchema, StartResponseSchema, {}, { timeoutMs: lifecycleTimeoutMs });
  }

  /** Refuses new calls and waits up to `timeoutMs` for in-flight ones; resolves with how many remain. */
  async drain(timeoutMs: number): Promise<number> {
    const response = await callUnary(
      this.session,
      `${service}/Drain`,
      DrainRequestSchema,
      DrainResponseSchema,
      { timeoutMs },
      {
        timeoutMs: timeoutMs + 1000,
      },
    );
    return response.pending;
  }

  /** Stops the pattern's instance (the process exits on SIGTERM afterwards). */
  async stop(): Promise<void> {
    await callUnary(this.session, `${service}/Stop`, StopRequestSchema, StopResponseSchema, {}, { timeoutMs: lifecycleTimeoutMs });
  }

  /** The pattern's own health report. */
  async healthCheck(timeoutMs: number): Promise<HealthReport> {
    const response = await callUnary(
      this.session,
      `${service}/HealthCheck`,
      HealthCheckRequestSchema,
      HealthCheckResponseSchema,
      {},
      {
        timeoutMs,
      },
    );
    const status =
      response.status === HealthStatus.HEALTHY ? "HEALTHY" : response.status === HealthStatus.DEGRADED ? "DEGRADED" : "UNHEALTHY";
    return { status, message: response.message, details: response.details };
  }
}
