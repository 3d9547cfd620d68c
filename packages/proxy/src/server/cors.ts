// CORS for the Connect / gRPC-Web front door: answers browser preflights and marks responses to
// allowed origins (the `cors` config block), so web apps on another origin can call the proxy.
import { cors as connectCors } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Logger } from "@prism/pattern-sdk";
import type { CorsConfig } from "../config/proxy-config.js";
import type { FrontDoorHandler } from "./connect-front-door.js";
import { errorReasonHeader, namespaceHeader } from "./namespace-router.js";
import { RefusedOrigins } from "./refused-origins.js";

/** Methods a browser may use: Connect's (POST, GET) plus the preflight itself. */
export const corsAllowedMethods: readonly string[] = [...connectCors.allowedMethods, "OPTIONS"];

/** Request headers Connect and gRPC-Web clients send, plus Prism's namespace and authorization. */
export const corsAllowedHeaders: readonly string[] = [
  ...connectCors.allowedHeaders.map((name) => name.toLowerCase()),
  namespaceHeader,
  "authorization",
];

/** Response headers a browser client must be able to read: gRPC status and Prism's error reason. */
export const corsExposedHeaders: readonly string[] = [...connectCors.exposedHeaders.map((name) => name.toLowerCase()), errorReasonHeader];

const allowMethods = corsAllowedMethods.join(", ");
const allowHeaders = corsAllowedHeaders.join(", ");
const exposeHeaders = corsExposedHeaders.join(", ");

/** Tells whether `origin` may call the proxy under `allowOrigins` ("*" = any). */
export function isOriginAllowed(origin: string | undefined, allowOrigins: readonly string[]): origin is string {
  if (origin === undefined || origin === "") return false;
  return allowOrigins.includes("*") || allowOrigins.includes(origin);
}

/** The headers of a preflight answer to an allowed `origin`. */
export function preflightHeaders(origin: string, config: CorsConfig): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": allowMethods,
    "access-control-allow-headers": allowHeaders,
    "access-control-max-age": String(config.maxAgeSeconds),
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  };
}

/** The headers added to an actual response to an allowed `origin`. */
export function responseHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": exposeHeaders,
    vary: "Origin",
  };
}

/** The body of a refused preflight: why, and what to change. */
export function refusalText(origin: string): string {
  return (
    `CORS: origin ${origin} may not call this Prism proxy. ` +
    "Add it to cors.allowOrigins in the proxy's prism.yaml (or serve the page from an allowed origin).\n"
  );
}

/** Wraps the front door with CORS: allowed origins get CORS headers; refused ones are logged and told why in the preflight. */
export function withCors(config: CorsConfig, next: FrontDoorHandler, logger: Logger): FrontDoorHandler {
  const refused = new RefusedOrigins(logger);
  return (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
    const origin = request.headers.origin;
    const isPreflight = request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
    if (origin === undefined || origin === "") {
      next(request, response);
      return;
    }
    if (!isOriginAllowed(origin, config.allowOrigins)) {
      refused.note(origin, request.url ?? "");
      // No CORS headers: the browser refuses the response. Caches must still key on Origin.
      if (isPreflight) {
        (response as ServerResponse).writeHead(403, { "content-type": "text/plain; charset=utf-8", vary: "Origin" });
        response.end(refusalText(origin));
        return;
      }
      response.setHeader("vary", "Origin");
      next(request, response);
      return;
    }
    if (isPreflight) {
      (response as ServerResponse).writeHead(204, preflightHeaders(origin, config));
      response.end();
      return;
    }
    for (const [name, value] of Object.entries(responseHeaders(origin))) response.setHeader(name, value);
    next(request, response);
  };
}
