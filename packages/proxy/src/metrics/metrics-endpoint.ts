// GET <metrics.path> (default /metrics): the Prometheus text, on the proxy's port (beside the
// Connect front door) or on a listener of its own when `metrics.listen` is set.
import type { Logger } from "@prism/pattern-sdk";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { FrontDoorHandler } from "../server/connect-front-door.js";
import type { ProxyMetrics } from "./proxy-metrics.js";

/** Answers a scrape with the metrics (500 with the reason if collecting failed). */
function answer(metrics: ProxyMetrics, response: ServerResponse | Http2ServerResponse, logger: Logger): void {
  metrics.render().then(
    (text) => {
      (response as ServerResponse).writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
      response.end(text);
    },
    (error: Error) => {
      logger.warn(`collecting metrics failed: ${error.message}`);
      (response as ServerResponse).writeHead(500, { "content-type": "text/plain" });
      response.end(`collecting metrics failed: ${error.message}`);
    },
  );
}

/** Whether a request is a GET of `path` (with or without a query). */
function isScrape(request: IncomingMessage | Http2ServerRequest, path: string): boolean {
  return request.method === "GET" && (request.url === path || request.url?.startsWith(`${path}?`) === true);
}

/** Wraps the front door so GET `path` answers with the metrics. */
export function withMetricsEndpoint(metrics: ProxyMetrics, path: string, logger: Logger, next: FrontDoorHandler): FrontDoorHandler {
  return (request, response) => {
    if (isScrape(request, path)) answer(metrics, response, logger);
    else next(request, response);
  };
}

/** A plain HTTP server answering only GET `path` with the metrics (not yet listening). */
export function createMetricsServer(metrics: ProxyMetrics, path: string, logger: Logger): Server {
  return createServer((request, response) => {
    if (isScrape(request, path)) {
      answer(metrics, response, logger);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end(`not found: metrics are at ${path}\n`);
  });
}
