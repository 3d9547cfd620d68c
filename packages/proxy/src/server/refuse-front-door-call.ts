// Answers a Connect or gRPC-Web call with an error status before Connect has read it, in the form
// each protocol's clients understand: gRPC-Web as a trailers-only response, a Connect streaming
// call as an end-of-stream message (its clients read the code there, not from the HTTP status), a
// Connect unary call as an HTTP status with the JSON error body. On HTTP/1.1 the connection is then
// closed rather than reading the rest of a body nobody wants.
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
  const error = { code: connectCodeName[code] ?? "internal", message };
  // HTTP/1.1 only: the unread rest of the body would have to be read before the next request.
  const close: Record<string, string> = request.httpVersionMajor === 1 ? { connection: "close" } : {};
  if (contentType.startsWith("application/grpc-web")) {
    http.writeHead(200, { ...close, "content-type": contentType, "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) });
    response.end();
  } else if (contentType.startsWith("application/connect+")) {
    http.writeHead(200, { ...close, "content-type": contentType });
    response.end(endStreamMessage({ error }));
  } else {
    http.writeHead(connectHttpStatus[code] ?? 500, { ...close, "content-type": "application/json" });
    response.end(JSON.stringify(error));
  }
  // Whatever body is still on its way is not read (on HTTP/2 the stream ends; on HTTP/1.1 the connection closes).
  request.resume();
}

/** A Connect end-of-stream message: flags 0x02, length, JSON. */
function endStreamMessage(end: object): Buffer {
  const json = Buffer.from(JSON.stringify(end));
  const envelope = Buffer.alloc(5 + json.byteLength);
  envelope[0] = 0x02;
  envelope.writeUInt32BE(json.byteLength, 1);
  json.copy(envelope, 5);
  return envelope;
}
