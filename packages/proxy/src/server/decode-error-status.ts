// A Connect unary request whose binary body is not the method's message answers INVALID_ARGUMENT,
// as gRPC does and as Connect itself does for bad JSON: connect-es reports a binary parse failure
// as INTERNAL (HTTP 500), which says "the server is broken" when the client sent garbage. Only
// that one answer is rewritten; everything else passes through untouched.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { FrontDoorHandler } from "./connect-front-door.js";

/** The start of connect-es's JSON error body for an unparsable binary request. */
const parseFailure = /^\{"code":"internal","message":"parse binary: /;

/** Wraps the front door so an unparsable binary Connect unary request gets 400 invalid_argument. */
export function withDecodeErrorStatus(next: FrontDoorHandler): FrontDoorHandler {
  return (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
    if (request.headers["content-type"] !== "application/proto") {
      next(request, response);
      return;
    }
    const http = response as ServerResponse;
    const writeHead = http.writeHead.bind(http);
    const write = http.write.bind(http);
    const end = http.end.bind(http);
    let held: OutgoingHttpHeaders | undefined;
    const release = (chunk: unknown) => {
      if (held === undefined) return chunk;
      const headers = held;
      held = undefined;
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : "";
      if (!parseFailure.test(text)) {
        writeHead(500, headers);
        return chunk;
      }
      const body = text.replace('"code":"internal"', '"code":"invalid_argument"');
      if ("content-length" in headers) headers["content-length"] = String(Buffer.byteLength(body));
      writeHead(400, headers);
      return body;
    };
    // Connect writes the status first, then the error body: hold a 500 until the body shows why.
    http.writeHead = ((status: number, ...rest: unknown[]) => {
      if (status !== 500) return (writeHead as (...args: unknown[]) => ServerResponse)(status, ...rest);
      const headers = rest.find((item) => typeof item === "object" && item !== null) as OutgoingHttpHeaders | undefined;
      held = { ...headers };
      return http;
    }) as ServerResponse["writeHead"];
    http.write = ((chunk: unknown, ...rest: unknown[]) =>
      (write as (...args: unknown[]) => boolean)(release(chunk), ...rest)) as ServerResponse["write"];
    http.end = ((chunk?: unknown, ...rest: unknown[]) => {
      const callEnd = end as (...args: unknown[]) => ServerResponse;
      if (chunk === undefined || typeof chunk === "function") {
        release("");
        return callEnd(chunk, ...rest);
      }
      return callEnd(release(chunk), ...rest);
    }) as ServerResponse["end"];
    next(request, response);
  };
}
