// Reading a gRPC response of the lean transport: node:http2 headers as fetch Headers, the
// response head checked the way Connect's gRPC transport checks it (with fast paths for the
// common OK answer), the status in trailers, and stream failures mapped to gRPC codes.
import { Code, ConnectError } from "@connectrpc/connect";
import { validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import { constants, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from "node:http2";

/** The response head as checked: whether it carried the status (trailers-only) and the error it held. */
export type ResponseHead = { foundStatus: boolean; headerError: ConnectError | undefined };

/** The head of an ordinary OK response (status to follow in trailers). */
const okHead: ResponseHead = { foundStatus: false, headerError: undefined };

/** node:http2 headers (pseudo-headers left out) as fetch Headers. */
export function toHeaders(incoming: IncomingHttpHeaders | undefined): Headers {
  const headers = new Headers();
  if (incoming === undefined) return headers;
  for (const name in incoming) {
    if (name.charCodeAt(0) === 58 /* ":" */) continue;
    const value = incoming[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, value);
  }
  return headers;
}

/**
 * Checks the response head (HTTP status, content type, encoding, a trailers-only status); throws
 * ConnectError as Connect's gRPC transport does for a head that is not a gRPC answer.
 */
export function checkResponseHead(incoming: IncomingHttpHeaders): ResponseHead {
  const contentType = incoming["content-type"];
  if (
    (incoming as IncomingHttpStatusHeader)[":status"] === 200 &&
    incoming["grpc-status"] === undefined &&
    incoming["grpc-encoding"] === undefined &&
    (contentType === "application/grpc" || contentType === "application/grpc+proto")
  ) {
    return okHead;
  }
  const headers = toHeaders(incoming);
  const head = validateResponse(Number(incoming[":status"]), headers);
  const encoding = headers.get("grpc-encoding");
  if (encoding !== null && encoding.toLowerCase() !== "identity") {
    throw new ConnectError(`unsupported response encoding "${encoding}"`, Code.Internal, headers);
  }
  return head;
}

/** Throws the call's error status from its trailers (or a trailers-only head), with header and trailer metadata. */
export function checkTrailers(head: IncomingHttpHeaders, trailers: IncomingHttpHeaders | undefined): void {
  if (trailers?.["grpc-status"] === "0" && trailers["grpc-status-details-bin"] === undefined) return;
  validateTrailer(toHeaders(trailers), toHeaders(head));
}

/** The gRPC code of a stream the peer reset with `rstCode` (the gRPC HTTP/2 spec's mapping). */
function codeOfReset(rstCode: number): Code {
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return Code.Unavailable;
    case constants.NGHTTP2_CANCEL:
      return Code.Canceled;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return Code.ResourceExhausted;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return Code.PermissionDenied;
    default:
      return Code.Internal;
  }
}

/**
 * The error of a call whose stream failed or was reset before a status arrived: a lost or refused
 * connection is UNAVAILABLE (retryable), a reset by the server is mapped by its code. `sessionLost`: the
 * stream's session is gone (node:http2 then closes its streams as if reset with CANCEL).
 */
export function streamFailure(error: Error | undefined, rstCode: number | undefined, sessionLost = false): ConnectError {
  if (sessionLost && error === undefined) return new ConnectError("the connection to the proxy was lost", Code.Unavailable);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ERR_HTTP2_STREAM_ERROR" && rstCode !== undefined && rstCode !== constants.NGHTTP2_NO_ERROR) {
    return new ConnectError(
      `the server reset the stream (HTTP/2 error code ${rstCode})`,
      codeOfReset(rstCode),
      undefined,
      undefined,
      error,
    );
  }
  if (error !== undefined) {
    return new ConnectError(`connection to the proxy failed: ${error.message}`, Code.Unavailable, undefined, undefined, error);
  }
  if (rstCode !== undefined && rstCode !== constants.NGHTTP2_NO_ERROR) {
    return new ConnectError(`the server reset the stream (HTTP/2 error code ${rstCode})`, codeOfReset(rstCode));
  }
  return new ConnectError("the connection closed before the call ended", Code.Unavailable);
}
