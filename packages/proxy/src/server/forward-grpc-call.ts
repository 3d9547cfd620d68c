// Forwards one gRPC call to a pattern process over an HTTP/2 session without decoding it:
// request body, response headers, body and trailers are piped through untouched. Every call ends
// with a gRPC status: when the pattern's side ends without one (crash, reset, lost connection),
// the caller gets UNAVAILABLE, which is retryable, never a bare stream reset.
import { Code } from "@connectrpc/connect";
import { type ErrorSink, type GrpcStatus, ignoreError, respondWithStatus, statusTrailers } from "@prism/wire";
import { constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";

/** Called once when the forwarded call has ended, either way. */
export type ForwardDone = () => void;

/** Pipes the call on `stream` to `session`; `describe` names the pattern in errors; the caller's stream errors go to `onStreamError`. */
export function forwardGrpcCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  session: ClientHttp2Session,
  describe: string,
  done?: ForwardDone,
  onStreamError: ErrorSink = ignoreError,
): void {
  const upstreamHeaders: OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": headers[":path"],
    "content-type": headers["content-type"] ?? "application/grpc",
    te: "trailers",
  };
  const timeout = headers["grpc-timeout"];
  if (timeout !== undefined) upstreamHeaders["grpc-timeout"] = timeout;
  let upstream: ReturnType<ClientHttp2Session["request"]>;
  try {
    upstream = session.request(upstreamHeaders);
  } catch (error) {
    respondWithStatus(stream, { code: Code.Unavailable, message: `${describe} is unreachable: ${(error as Error).message}` });
    done?.();
    return;
  }
  stream.on("error", onStreamError);
  let trailers: OutgoingHttpHeaders | undefined;
  let trailersWanted = false;
  let answeredTrailersOnly = false;

  /** Ends a response whose headers went out with `status`, unless the pattern's own status is known. */
  const endWith = (status: GrpcStatus) => {
    if (answeredTrailersOnly || stream.closed || stream.destroyed) return;
    if (!stream.headersSent) {
      respondWithStatus(stream, status);
      return;
    }
    if (trailers) return; // the pattern's status is on its way
    trailers = statusTrailers(status);
    if (trailersWanted) stream.sendTrailers(trailers);
    else stream.end();
  };

  upstream.on("response", (responseHeaders, flags) => {
    if (stream.closed || stream.destroyed || stream.headersSent) return;
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
      answeredTrailersOnly = true;
      stream.respond(responseHeaders, { endStream: true }); // trailers-only: the status is in these headers
      return;
    }
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.once("wantTrailers", () => {
      trailersWanted = true;
      if (trailers) stream.sendTrailers(trailers);
    });
  });
  upstream.on("trailers", (received) => {
    trailers = received;
    if (trailersWanted && !stream.closed) stream.sendTrailers(received);
  });
  upstream.on("data", (chunk: Buffer) => {
    if (!stream.write(chunk)) {
      upstream.pause();
      stream.once("drain", () => upstream.resume());
    }
  });
  upstream.on("end", () => {
    if (trailers) {
      if (stream.headersSent && !stream.closed) stream.end();
      return;
    }
    endWith({ code: Code.Unavailable, message: `${describe} ended the call without a status` });
  });
  upstream.on("error", (error) => {
    endWith({ code: Code.Unavailable, message: `${describe} failed the call: ${error.message}` });
  });
  upstream.on("close", () => {
    endWith({
      code: Code.Unavailable,
      message: `${describe} closed the call without a status (HTTP/2 code ${upstream.rstCode})`,
    });
    done?.();
  });
  stream.on("data", (chunk: Buffer) => {
    if (!upstream.write(chunk)) {
      stream.pause();
      upstream.once("drain", () => stream.resume());
    }
  });
  stream.on("end", () => upstream.end());
  stream.on("close", () => {
    if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
  });
}
