// GET /healthz: every namespace's pattern health as JSON (200 when all are HEALTHY or DEGRADED,
// 503 when any is UNHEALTHY), for load balancers and operators.
import type { HealthReport } from "@prism/pattern-sdk";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
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

/** Wraps the front door so GET /healthz answers with the health document. */
export function withHealthEndpoint(router: NamespaceRouter, next: FrontDoorHandler): FrontDoorHandler {
  return (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
    if (request.method !== "GET" || (request.url !== healthPath && !request.url?.startsWith(`${healthPath}?`))) {
      next(request, response);
      return;
    }
    collectHealth(router).then(
      (document) => {
        const body = JSON.stringify(document);
        (response as ServerResponse).writeHead(document.status === "UNHEALTHY" ? 503 : 200, {
          "content-type": "application/json",
          "cache-control": "no-store",
        });
        response.end(body);
      },
      (error: Error) => {
        (response as ServerResponse).writeHead(500, { "content-type": "text/plain" });
        response.end(`health check failed: ${error.message}`);
      },
    );
  };
}
