// Serves one gRPC call on an HTTP/2 stream with a handler from the method table: reads the single
// request frame (or, for a bidi stream, hands the handler a RequestStream), decodes it with
// protobuf-es, runs the handler under the call's deadline, and writes the response frame(s) and
// status trailers. No Connect machinery on this path: it is the hot path.
import { toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { ByteBudget } from "./byte-budget.js";
import { type ErrorSink, ignoreError } from "./error-sink.js";
import { CallCancellation } from "./call-cancellation.js";
import { RequestStream } from "./request-stream.js";
import { waitForDrain } from "./wait-for-drain.js";
import { decodeSingleFrame, encodeFrame } from "./grpc-frame.js";
import type { GrpcMethod } from "./grpc-method-table.js";
import { callerIdentityHeader, decodeCallerIdentity } from "./caller-identity-header.js";
import { validTraceparent } from "./traceparent.js";
import type { CallerIdentity } from "./service-handlers.js";
import { statusFromError, statusTrailers } from "./grpc-status.js";
import { asMessage } from "./as-message.js";
import { callDeadline } from "./call-deadline.js";
import { decodeRequest } from "./decode-request.js";
import { okTrailers, respondWithMessage, respondWithStatus, responseHeaders } from "./respond-with-status.js";

/**
 * Largest request body a call buffers unless its host sets `maxRequestBytes`.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const maxRequestBytes = 4 * 1024 * 1024;

/**
 * How a host serves calls: bounds and where handled errors go. Make it once per server, not per call.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface ServeCallOptions {
  /** Stream errors the call handles itself (a reset, a dropped connection), for a debug log. */
  readonly onStreamError?: ErrorSink;
  /** Largest request body buffered for one call; a larger one ends RESOURCE_EXHAUSTED unread. */
  readonly maxRequestBytes?: number;
  /** Bytes buffered across all calls, and per client address; a call that does not fit ends RESOURCE_EXHAUSTED. */
  readonly buffered?: ByteBudget;
  /** Told of every call refused for a bound (its status message and client address), for a rate-limited log line. */
  readonly onRefused?: (message: string, client: string) => void;
  /** Longest deadline honoured; longer grpc-timeout values are clamped to it. */
  readonly maxDeadlineMs?: number;
  /** Take the caller's identity from the prism-identity header (only where the one peer is the proxy). */
  readonly trustIdentityHeader?: boolean;
}

const noOptions: ServeCallOptions = {};

/**
 * Serves `method` on `stream` within the bounds of `options`. Resolves when the call has ended.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function serveGrpcCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  method: GrpcMethod,
  options: ServeCallOptions = noOptions,
  identity?: CallerIdentity,
): Promise<void> {
  if (method.kind === "bidi_streaming") return serveBidiCall(stream, headers, method, options, identity);
  return new Promise<void>((resolve) => {
    const limit = options.maxRequestBytes ?? maxRequestBytes;
    const budget = options.buffered;
    const client = budget ? (stream.session?.socket?.remoteAddress ?? "") : "";
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = (message: string) => {
      refused = true;
      chunks.length = 0;
      options.onRefused?.(message, client);
      respondWithStatus(stream, { code: Code.ResourceExhausted, message });
      // The answer is out; RST_STREAM(NO_ERROR) tells the client to stop sending the rest (RFC 9113 §8.1).
      stream.close(constants.NGHTTP2_NO_ERROR);
    };
    stream.on("error", options.onStreamError ?? ignoreError);
    stream.on("data", (chunk: Buffer) => {
      if (refused) return;
      if (size + chunk.byteLength > limit) {
        refuse(`request message over ${limit} bytes, the largest accepted here`);
        return;
      }
      if (budget && !budget.tryTake(chunk.byteLength, client)) {
        refuse(`${budget.refusal(chunk.byteLength, client)}; retry shortly`);
        return;
      }
      size += chunk.byteLength;
      chunks.push(chunk);
    });
    const release = () => {
      if (budget && size > 0) budget.give(size, client);
      size = 0;
    };
    stream.once("end", () => {
      if (refused) return;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      chunks.length = 0;
      release(); // the decoded message is the handler's now
      runCall(stream, headers, method, body, options.maxDeadlineMs, callerOf(headers, options, identity))
        .catch((error: unknown) => respondWithStatus(stream, statusFromError(error)))
        .finally(resolve);
    });
    stream.once("close", () => {
      release();
      resolve();
    });
  });
}

async function runCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  method: GrpcMethod,
  body: Buffer,
  maxDeadlineMs: number | undefined,
  identity: CallerIdentity | undefined,
): Promise<void> {
  const timeoutMs = callDeadline(stream, headers, maxDeadlineMs);
  if (timeoutMs === "refused") return;
  const frame = decodeSingleFrame(body);
  if (!frame.ok) {
    respondWithStatus(stream, {
      code: frame.problem === "compressed" ? Code.Unimplemented : Code.InvalidArgument,
      message:
        frame.problem === "compressed"
          ? "compressed request messages are not supported; send uncompressed"
          : "request body is not exactly one gRPC message frame",
    });
    return;
  }
  let request: Message;
  try {
    request = decodeRequest(method.input, frame.message);
  } catch (error) {
    respondWithStatus(stream, statusFromError(error));
    return;
  }
  await runHandler(stream, method, request, timeoutMs, identity, traceparentOf(headers));
}

/** The call's traceparent header, when it is one well-formed value. */
function traceparentOf(headers: IncomingHttpHeaders): string | undefined {
  return validTraceparent(headers.traceparent);
}

/** The caller: as the proxy verified it in-process, else from the prism-identity header where that is trusted. */
function callerOf(
  headers: IncomingHttpHeaders,
  options: ServeCallOptions,
  identity: CallerIdentity | undefined,
): CallerIdentity | undefined {
  return identity ?? (options.trustIdentityHeader ? decodeCallerIdentity(headers[callerIdentityHeader]) : undefined);
}

/** Serves a bidi-streaming call: the handler reads the request messages as they arrive. */
async function serveBidiCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  method: GrpcMethod,
  options: ServeCallOptions,
  identity: CallerIdentity | undefined,
): Promise<void> {
  stream.on("error", options.onStreamError ?? ignoreError);
  const timeoutMs = callDeadline(stream, headers, options.maxDeadlineMs);
  if (timeoutMs === "refused") return;
  const caller = callerOf(headers, options, identity);
  let call: CallCancellation | undefined;
  const requests = new RequestStream(stream, method.input, {
    maxMessageBytes: options.maxRequestBytes ?? maxRequestBytes,
    buffered: options.buffered,
    onRefused: options.onRefused,
    // A bad or oversized message ends the call with its status, whether or not the handler is reading.
    onFailure: (error) => {
      call?.abort(error);
      if (!stream.headersSent) respondWithStatus(stream, statusFromError(error));
    },
  });
  try {
    await runHandler(stream, method, requests, timeoutMs, caller, traceparentOf(headers), (created) => {
      call = created;
    });
  } catch (error) {
    respondWithStatus(stream, statusFromError(error));
  } finally {
    requests.release();
  }
}

/** Runs the handler under the call's deadline and cancellation, then writes its response(s). */
async function runHandler(
  stream: ServerHttp2Stream,
  method: GrpcMethod,
  argument: unknown,
  timeoutMs: number | undefined,
  identity: CallerIdentity | undefined,
  traceparent: string | undefined,
  onCall?: (call: CallCancellation) => void,
): Promise<void> {
  const call = new CallCancellation(identity, traceparent);
  onCall?.(call);
  const onClose = () => call.abort(new ConnectError("caller went away", Code.Canceled));
  stream.once("close", onClose);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          const error = new ConnectError(`deadline of ${timeoutMs} ms exceeded`, Code.DeadlineExceeded);
          call.abort(error);
          // A stream that already answered ends with this status in its trailers (runServerStreaming).
          if (!stream.headersSent) respondWithStatus(stream, statusFromError(error));
        }, timeoutMs);
  try {
    if (method.kind === "unary") {
      await runUnary(stream, method, argument as Message, call);
    } else {
      await runServerStreaming(stream, method, argument, call);
    }
  } finally {
    if (timer) clearTimeout(timer);
    stream.off("close", onClose);
  }
}

async function runUnary(stream: ServerHttp2Stream, method: GrpcMethod, request: Message, call: CallCancellation): Promise<void> {
  let payload: Buffer;
  try {
    const response = await (method.handler(request, call) as Promise<object>);
    payload = encodeFrame(toBinary(method.output, asMessage(method.output, response)));
  } catch (error) {
    respondWithStatus(stream, statusFromError(error));
    return;
  }
  respondWithMessage(stream, payload);
}

async function runServerStreaming(stream: ServerHttp2Stream, method: GrpcMethod, argument: unknown, call: CallCancellation): Promise<void> {
  let trailers: OutgoingHttpHeaders = okTrailers;
  let started = false;
  try {
    const responses = method.handler(argument, call) as AsyncIterable<object>;
    for await (const response of responses) {
      if (stream.destroyed || stream.closed) break;
      if (!started) {
        if (stream.headersSent) break; // answered already: a deadline or a refused request message
        stream.respond(responseHeaders, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers(trailers));
        started = true;
      }
      if (!stream.write(encodedFrame(method.output, response))) {
        await waitForDrain(stream);
      }
    }
  } catch (error) {
    if (!stream.headersSent) {
      respondWithStatus(stream, statusFromError(error));
      return;
    }
    trailers = statusTrailers(statusFromError(error));
  }
  // A deadline that passed mid-stream ends it with DEADLINE_EXCEEDED, not OK; a refused request message with its status.
  if (call.aborted && call.abortReason instanceof ConnectError && call.abortReason.code !== Code.Canceled) {
    trailers = statusTrailers(statusFromError(call.abortReason));
  }
  if (stream.destroyed || stream.closed) return;
  if (!stream.headersSent) {
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  }
  stream.end();
}

/**
 * Responses a handler declared shared (see shareResponse), with their frame once encoded (null
 * until the first send). Anything not in here is encoded on every send.
 */
const sharedFrames = new WeakMap<object, Buffer | null>();

/**
 * Declares that `response` is yielded, unchanged, to many streams (a PubSub message fanned out to
 * every subscriber): it is then encoded once, on its first send, and that frame is reused. The
 * object must not be mutated afterwards; a response not declared shared is encoded every time.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function shareResponse<T extends object>(response: T): T {
  if (!sharedFrames.has(response)) sharedFrames.set(response, null);
  return response;
}

function encodedFrame(schema: DescMessage, response: object): Buffer {
  const shared = sharedFrames.get(response);
  if (shared) return shared;
  const frame = encodeFrame(toBinary(schema, asMessage(schema, response)));
  if (shared === null) sharedFrames.set(response, frame);
  return frame;
}
