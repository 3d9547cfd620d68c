// Serves one gRPC call on an HTTP/2 stream with a handler from the method table: reads the single
// request frame, decodes it with protobuf-es, runs the handler under the call's deadline, and writes
// the response frame(s) and status trailers. No Connect machinery on this path: it is the hot path.
import { create, fromBinary, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { type ErrorSink, ignoreError } from "./error-sink.js";
import { decodeSingleFrame, encodeFrame } from "./grpc-frame.js";
import type { GrpcMethod } from "./grpc-method-table.js";
import type { CallContext } from "./service-handlers.js";
import { statusFromError, statusTrailers, type GrpcStatus } from "./grpc-status.js";
import { parseGrpcTimeout } from "./grpc-timeout.js";

const okTrailers: OutgoingHttpHeaders = { "grpc-status": "0" };
const responseHeaders = { ":status": 200, "content-type": "application/grpc" };

/**
 * Largest request body accepted on this path (the value limit is enforced by the handlers).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const maxRequestBytes = 64 * 1024 * 1024;

/**
 * Ends a call that never produced a response with a trailers-only status.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function respondWithStatus(stream: ServerHttp2Stream, status: GrpcStatus): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    stream.close();
    return;
  }
  stream.respond({ ...responseHeaders, ...statusTrailers(status) }, { endStream: true });
}

/**
 * Serves `method` on `stream` (its stream errors, already handled, go to `onStreamError`). Resolves when the call has ended.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function serveGrpcCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  method: GrpcMethod,
  onStreamError: ErrorSink = ignoreError,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("error", onStreamError);
    stream.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxRequestBytes) {
        respondWithStatus(stream, {
          code: Code.ResourceExhausted,
          message: `request body over ${maxRequestBytes} bytes`,
        });
        stream.destroy();
        return;
      }
      chunks.push(chunk);
    });
    stream.once("end", () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      runCall(stream, headers, method, body)
        .catch((error: unknown) => respondWithStatus(stream, statusFromError(error)))
        .finally(resolve);
    });
    stream.once("close", resolve);
  });
}

async function runCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: GrpcMethod, body: Buffer): Promise<void> {
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
    request = fromBinary(method.input, frame.message);
  } catch (error) {
    respondWithStatus(stream, {
      code: Code.InvalidArgument,
      message: `cannot decode ${method.input.typeName}: ${(error as Error).message}`,
    });
    return;
  }
  const call = new CallCancellation();
  const onClose = () => call.abort(new ConnectError("caller went away", Code.Canceled));
  stream.once("close", onClose);
  const timeoutMs = parseGrpcTimeout(headers["grpc-timeout"]);
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
      await runUnary(stream, method, request, call);
    } else {
      await runServerStreaming(stream, method, request, call);
    }
  } finally {
    if (timer) clearTimeout(timer);
    stream.off("close", onClose);
  }
}

/**
 * The call context's abort signal, made only when a handler asks for it: unary KeyValue handlers
 * never do, and an AbortController per call is measurable on the hot path.
 */
class CallCancellation implements CallContext {
  private controller: AbortController | undefined;
  private reason: unknown;
  /** Whether the call was aborted (caller gone or deadline passed). */
  aborted = false;

  /** Aborts the call with `reason`. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  /** Why the call was aborted. */
  get abortReason(): unknown {
    return this.reason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
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
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(responseHeaders, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(okTrailers));
  stream.end(payload);
}

async function runServerStreaming(stream: ServerHttp2Stream, method: GrpcMethod, request: Message, call: CallCancellation): Promise<void> {
  let trailers: OutgoingHttpHeaders = okTrailers;
  let started = false;
  try {
    const responses = method.handler(request, call) as AsyncIterable<object>;
    for await (const response of responses) {
      if (stream.destroyed || stream.closed) break;
      if (!started) {
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
  // A deadline that passed mid-stream ends it with DEADLINE_EXCEEDED, not OK.
  if (call.aborted && call.abortReason instanceof ConnectError && call.abortReason.code === Code.DeadlineExceeded) {
    trailers = statusTrailers(statusFromError(call.abortReason));
  }
  if (stream.destroyed || stream.closed) return;
  if (!stream.headersSent) {
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  }
  stream.end();
}

function waitForDrain(stream: ServerHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
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

function asMessage(schema: DescMessage, value: object): Message {
  return "$typeName" in value ? (value as Message) : create(schema, value as never);
}
