// Forwards one gRPC call to a pattern process over an HTTP/2 session without decoding it:
// request body, response headers, body and trailers are piped through untouched. Every call ends
// with a gRPC status: when the pattern's side ends without one (crash, reset, lost connection),
// the caller gets UNAVAILABLE, which is retryable, never a bare stream reset. The proxy holds the
// call to its deadline (clamped) and to the namespace's largest request itself, whatever the
// pattern does, and counts the request bytes against the proxy's buffer budget (the pattern
// buffers the whole request before it decodes it). A bidi stream (PublishStream) is bounded per
// message instead, and its bytes count only until they are handed to the pattern's connection.
// Cancellations are paced (see resetStream).
import { Code } from "@connectrpc/connect";
import {
  callDeadline,
  ignoreError,
  type ByteBudget,
  type CallerIdentity,
  callerIdentityHeader,
  encodeCallerIdentity,
  type ErrorSink,
  formatGrpcTimeout,
  type GrpcStatus,
  resetStream,
  respondWithStatus,
  statusTrailers,
  validTraceparent,
} from "@prism/wire";
import { type ClientHttp2Session, constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { dataPlaneMethods } from "../config/api-names.js";
import type { RefusalLog } from "./call-refusals.js";
import { FrameLengthScanner } from "./frame-length-scanner.js";

/** How long after the trailers a request still arriving is cut (RST_STREAM NO_ERROR). */
const trailersFlushMs = 100;

/** Called once when the forwarded call has ended, either way. */
export type ForwardDone = () => void;

/** How calls to one pattern are forwarded; made once per pattern, not per call. */
export interface ForwardOptions {
  /** Names the pattern in status messages. */
  readonly describe: () => string;
  /** Largest request body forwarded; a larger one ends RESOURCE_EXHAUSTED. */
  readonly requestLimit: number;
  /** Longest deadline honoured; longer ones are clamped. */
  readonly maxDeadlineMs: number;
  /** The caller's stream errors the proxy handled (for a debug log). */
  readonly onStreamError?: ErrorSink;
  /** Request bytes buffered across every call, and per client address. */
  readonly buffered?: ByteBudget;
  /** Told of every call refused for a bound. */
  readonly onRefused?: RefusalLog;
}

/** Pipes the call of `client` (its address) on `stream` to `session`; `done` runs once when it has ended, either way. */
export function forwardGrpcCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  client: string,
  session: ClientHttp2Session,
  options: ForwardOptions,
  done: ForwardDone,
  identity?: CallerIdentity,
): void {
  stream.on("error", options.onStreamError ?? ignoreError);
  const timeoutMs = callDeadline(stream, headers, options.maxDeadlineMs);
  if (timeoutMs === "refused") {
    done();
    return;
  }
  const upstreamHeaders: OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": headers[":path"],
    "content-type": headers["content-type"] ?? "application/grpc",
    te: "trailers",
  };
  if (timeoutMs !== undefined) upstreamHeaders["grpc-timeout"] = formatGrpcTimeout(timeoutMs);
  // Built from scratch: a prism-identity header a client sent is never passed on.
  if (identity !== undefined) upstreamHeaders[callerIdentityHeader] = encodeCallerIdentity(identity);
  // The trace context goes on (the proxy's own span, when it traces; else the caller's, untouched).
  const traceparent = validTraceparent(headers.traceparent);
  if (traceparent !== undefined) upstreamHeaders.traceparent = traceparent;
  let upstream: ReturnType<ClientHttp2Session["request"]>;
  try {
    upstream = session.request(upstreamHeaders);
  } catch (error) {
    respondWithStatus(stream, { code: Code.Unavailable, message: `${options.describe()} is unreachable: ${(error as Error).message}` });
    done();
    return;
  }
  let trailers: OutgoingHttpHeaders | undefined;
  let trailersWanted = false;
  let answeredTrailersOnly = false;
  let received = 0;
  let requestEnded = false;
  /** Request bytes taken from the buffer budget, given back once the request has ended (or the call has). */
  let held = 0;
  const giveBack = () => {
    options.buffered?.give(held, client);
    held = 0;
  };

  /**
   * Once the answer is complete, a request still arriving is cut: RST_STREAM(NO_ERROR) tells the
   * client to stop sending (RFC 9113 §8.1), so a call the pattern refused early does not hang.
   */
  const stopRequest = () => {
    if (!requestEnded && !stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
  };
  const sendTrailers = (sent: OutgoingHttpHeaders) => {
    stream.sendTrailers(sent);
    if (requestEnded) return;
    // A reset submitted now could overtake the trailers still queued behind response data (the
    // caller would see no status): it follows once they had time to go out.
    const stop = setTimeout(stopRequest, trailersFlushMs);
    stream.once("close", () => clearTimeout(stop));
  };
  /** Ends a response whose headers went out with `status`, unless the pattern's own status is known. */
  const endWith = (status: GrpcStatus) => {
    if (answeredTrailersOnly || stream.closed || stream.destroyed) return;
    if (!stream.headersSent) {
      respondWithStatus(stream, status);
      stopRequest();
      return;
    }
    if (trailers) return; // the pattern's status is on its way
    trailers = statusTrailers(status);
    if (trailersWanted) sendTrailers(trailers);
    else stream.end();
  };
  /** Ends the call here with `status` and cancels it on the pattern. */
  const abandon = (status: GrpcStatus) => {
    endWith(status);
    resetStream(upstream);
  };
  let refused = false;
  /** Refuses the call for a bound: RESOURCE_EXHAUSTED, logged; the rest of the request is not read. */
  const refuse = (message: string) => {
    refused = true;
    options.onRefused?.(message, client);
    // endWith stops the request once the status is out: at once when no response started, else after
    // the trailers (closing the stream earlier would cut them off).
    abandon({ code: Code.ResourceExhausted, message });
  };
  const deadline =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => abandon({ code: Code.DeadlineExceeded, message: `deadline of ${timeoutMs} ms exceeded` }), timeoutMs);

  upstream.on("response", (responseHeaders, flags) => {
    if (stream.closed || stream.destroyed || stream.headersSent) return;
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
      answeredTrailersOnly = true;
      stream.respond(responseHeaders, { endStream: true }); // trailers-only: the status is in these headers
      stopRequest();
      return;
    }
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.once("wantTrailers", () => {
      trailersWanted = true;
      if (trailers) sendTrailers(trailers);
    });
  });
  upstream.on("trailers", (received) => {
    trailers = received;
    if (trailersWanted && !stream.closed) sendTrailers(received);
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
    endWith({ code: Code.Unavailable, message: `${options.describe()} ended the call without a status` });
  });
  upstream.on("error", (error) => {
    endWith({ code: Code.Unavailable, message: `${options.describe()} failed the call: ${error.message}` });
  });
  upstream.on("close", () => {
    clearTimeout(deadline);
    endWith({
      code: Code.Unavailable,
      message: `${options.describe()} closed the call without a status (HTTP/2 code ${upstream.rstCode})`,
    });
    done();
  });
  const scanner = dataPlaneMethods.get(headers[":path"] ?? "")?.requestStreaming ? new FrameLengthScanner() : undefined;
  stream.on("data", (chunk: Buffer) => {
    if (stream.closed || refused) return;
    received += chunk.byteLength;
    if (scanner === undefined ? received > options.requestLimit : scanner.scan(chunk) > options.requestLimit) {
      refuse(`request message over ${options.requestLimit} bytes, the largest this namespace accepts`);
      return;
    }
    if (options.buffered) {
      if (!options.buffered.tryTake(chunk.byteLength, client)) {
        refuse(`${options.buffered.refusal(chunk.byteLength, client)}; retry shortly`);
        return;
      }
      held += chunk.byteLength;
    }
    if (scanner !== undefined) {
      // A stream has no end to wait for: its bytes are given back once the pattern's connection took them.
      const bytes = chunk.byteLength;
      const handedOver = () => {
        const back = Math.min(bytes, held);
        options.buffered?.give(back, client);
        held -= back;
      };
      if (!upstream.write(chunk, handedOver)) {
        stream.pause();
        upstream.once("drain", () => stream.resume());
      }
      return;
    }
    if (!upstream.write(chunk)) {
      stream.pause();
      upstream.once("drain", () => stream.resume());
    }
  });
  stream.on("end", () => {
    requestEnded = true;
    giveBack();
    upstream.end();
  });
  stream.on("close", () => {
    clearTimeout(deadline);
    giveBack();
    resetStream(upstream);
  });
}
