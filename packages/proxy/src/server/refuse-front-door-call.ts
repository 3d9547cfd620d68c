// Answers a Connect or gRPC-Web call with an error status before Connect has read it, in the form
// each protocol's clients understand: gRPC-Web as a trailers-only response, Connect as an HTTP
// status with the JSON error body.
import { Code } from "@connectrpc/connect";
import { encodeGrpcMessage } from "@prism/wire";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

/** HTTP statuses of the Connect protocol for the codes the proxy refuses with. */
const connectHttpStatus: Partial<Record<Code, number>> = {
  [Code.ResourceExhausted]: 429,
  [Code.InvalidArgument]: 400,
  [Code.Unavailable]: 503,
};

/** Connect's names of those codes. */
const connectCodeName: Partial<Record<Code, string>> = {
  [Code.ResourceExhausted]: "resource_exhausted",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.Unavailable]: "unavailable",
};

/** Ends the call unread with `code` and `message`; the connection stays usable for other calls. */
export function refuseFrontDoorCall(
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
  code: Code,
  message: string,
): void {
  const contentType = String(request.headers["content-type"] ?? "");
  const http = response as ServerResponse;
  if (contentType.startsWith("application/grpc-web")) {
    http.writeHead(200, { "content-type": contentType, "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) });
    response.end();
  } else {
    http.writeHead(connectHttpStatus[code] ?? 500, { "content-type": "application/json" });
    response.end(JSON.stringify({ code: connectCodeName[code] ?? "internal", message }));
  }
  // Whatever body is still on its way is not read; on HTTP/1.1 the connection cannot be reused then.
  request.resume();
}
