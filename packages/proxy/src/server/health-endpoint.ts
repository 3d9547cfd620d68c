// GET /healthz: by default a bare answer for load balancers (the proxy is up and routing: 200
// {"status":"SERVING"}); with `health.details: true`, every namespace's pattern health as JSON for
// operators (still 200: one unhealthy namespace does not take the whole proxy out of rotation).
import type { HealthReport } from "@prism/pattern-sdk";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { SharedState } from "../config-source/shared-namespaces.js";
import type { HealthConfig } from "../config/proxy-config.js";
import type { FrontDoorHandler } from "./connect-front-door.js";
import type { NamespaceRouter } from "./namespace-router.js";

/** Path of the health endpoint. */
export const healthPath = "/healthz";

/** The JSON body of /healthz. */
export interface HealthDocument {
  /** Worst status over every pattern. */
  status: HealthReport["status"];
  /** namespace → api → that pattern's report. */
  namespaces: Record<string, Record<string, HealthReport & { pattern: string }>>;
}

/** Collects every pattern's health. */
export async function collectHealth(router: NamespaceRouter): Promise<HealthDocument> {
  const document: HealthDocument = { status: "HEALTHY", namespaces: {} };
  const rank = { HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2 } as const;
  for (const { namespace, api, runtime } of router.entries()) {
    const raw = await runtime.health();
    // Details are strings whatever the isolation (a process reports them through the proto map).
    const details = Object.fromEntries(Object.entries(raw.details ?? {}).map(([key, value]) => [key, String(value)]));
    const report: HealthReport = { ...raw, details };
    document.namespaces[namespace] ??= {};
    (document.namespaces[namespace] as Record<string, HealthReport & { pattern: string }>)[api] = {
      pattern: runtime.description,
      ...report,
    };
    if (rank[report.status] > rank[document.status]) document.status = report.status;
  }
  return document;
}

/** The bare answer: the proxy is up and routing calls. */
const servingBody = JSON.stringify({ status: "SERVING" });

/**
 * Wraps the front door so GET /healthz answers (bare, or the health document when `health.details`);
 * with a shared config source, both say which revision this proxy runs and whether the source is reachable.
 */
export function withHealthEndpoint(
  router: NamespaceRouter,
  config: HealthConfig,
  next: FrontDoorHandler,
  configState?: () => SharedState,
): FrontDoorHandler {
  return (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
    if (request.method !== "GET" || (request.url !== healthPath && !request.url?.startsWith(`${healthPath}?`))) {
      next(request, response);
      return;
    }
    const headers = { "content-type": "application/json", "cache-control": "no-store" };
    if (!config.details) {
      (response as ServerResponse).writeHead(200, headers);
      response.end(configState === undefined ? servingBody : JSON.stringify({ status: "SERVING", config: configState() }));
      return;
    }
    collectHealth(router).then(
      (document) => {
        (response as ServerResponse).writeHead(200, headers);
        response.end(JSON.stringify(configState === undefined ? document : { ...document, config: configState() }));
      },
      (error: Error) => {
        (response as ServerResponse).writeHead(500, { "content-type": "text/plain" });
        response.end(`health check failed: ${error.message}`);
      },
    );
  };
}
