// Forwards one gRPC call to a pattern process over its HTTP/2 session without decoding it:
// request body, response headers, body and trailers are piped through untouched.
import { Code } from "@connectrpc/connect";
import { parseGrpcTimeout, respondWithStatus } from "@prism/pattern-sdk/internal/grpc";
import { constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";

/** Pipes the call on `stream` to `session`; `describe` names the pattern in errors. */
export function forwardGrpcCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  session: ClientHttp2Session,
  describe: string,
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
    return;
  }
  stream.on("error", () => {});
  let trailers: OutgoingHttpHeaders | undefined;
  let trailersWanted = false;
  const timeoutMs = parseGrpcTimeout(timeout);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          respondWithStatus(stream, { code: Code.DeadlineExceeded, message: `deadline of ${timeoutMs} ms exceeded` });
          if (!stream.closed) stream.close();
          upstream.close(constants.NGHTTP2_CANCEL);
        }, timeoutMs + 50);

  upstream.on("response", (responseHeaders, flags) => {
    if (stream.destroyed || stream.closed || stream.headersSent) return;
    const out: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(responseHeaders)) {
      if (name !== ":status" && name.startsWith(":")) continue;
      out[name] = value;
    }
    const endStream = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    if (endStream) {
      stream.respond(out, { endStream: true });
      return;
    }
    stream.respond(out, { waitForTrailers: true });
    stream.once("wantTrailers", () => {
      trailersWanted = true;
      if (trailers) stream.sendTrailers(trailers);
    });
  });
  upstream.on("trailers", (received) => {
    const copy: OutgoingHttpHeaders = { ...received };
    trailers = copy;
    if (trailersWanted && !stream.closed) stream.sendTrailers(copy);
  });
  upstream.on("data", (chunk: Buffer) => {
    if (!stream.write(chunk)) {
      upstream.pause();
      stream.once("drain", () => upstream.resume());
    }
  });
  upstream.on("end", () => {
    if (stream.headersSent && !stream.closed) stream.end();
  });
  upstream.on("error", (error) => {
    if (!stream.headersSent) {
      respondWithStatus(stream, { code: Code.Unavailable, message: `${describe} failed the call: ${error.message}` });
    } else if (!stream.closed) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  });
  upstream.on("close", () => {
    if (timer) clearTimeout(timer);
    if (!stream.headersSent) {
      respondWithStatus(stream, { code: Code.Unavailable, message: `${describe} closed the call without answering` });
    } else if (!trailers && !stream.closed && upstream.rstCode !== constants.NGHTTP2_NO_ERROR) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  });
  stream.on("close", () => {
    if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
  });
  stream.pipe(upstream);
}
