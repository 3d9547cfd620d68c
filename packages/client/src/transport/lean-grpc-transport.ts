// createLeanGrpcTransport: a Connect `Transport` for the gRPC protocol straight on node:http2 with
// protobuf-es encoding and @prism/wire's framing, for the client's Node default. With interceptors,
// calls run through Connect's own runUnaryCall / runStreamingCall; a unary call without any takes a
// hot path that enforces deadline and cancellation itself (no Headers objects, no linked abort
// controllers). Statuses are read with Connect's gRPC helpers, so errors (code, message, metadata,
// details) are what connect-node's gRPC transport gives; the HTTP/2 sessions come from an
// Http2SessionPool. Unary, server-streaming and bidi-streaming calls (a bidi stream's request
// messages are sent as its input yields them); client streams are UNIMPLEMENTED.
import {
  create,
  type DescMessage,
  type DescMethodStreaming,
  type DescMethodUnary,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextValues,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import { createMethodUrl, getAbortSignalReason, runStreamingCall, runUnaryCall } from "@connectrpc/connect/protocol";
import { asMessage, encodeFrame, FrameReader, formatGrpcTimeout, resetStream, waitForDrain } from "@prism/wire";
import {
  type ClientHttp2Stream,
  type ClientSessionOptions,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import { checkResponseHead, checkTrailers, type ResponseHead, streamFailure, toHeaders } from "./grpc-response.js";
import { Http2SessionPool } from "./http2-session-pool.js";

/** Options of createLeanGrpcTransport. */
export type LeanGrpcTransportOptions = {
  /** Base URL of the server, e.g. "http://127.0.0.1:8980" (a path prefix is kept). */
  baseUrl: string;
  /** Interceptors run on every call, as with Connect's transports. */
  interceptors?: Interceptor[];
  /** Deadline of calls that set none, in milliseconds (default: none). */
  defaultTimeoutMs?: number;
  /** Milliseconds an HTTP/2 session without calls stays open (default 60000); idle sessions never hold the process open. */
  idleConnectionTimeoutMs?: number;
  /** Options for node:http2 connect (TLS options, HTTP/2 settings, …). */
  sessionOptions?: ClientSessionOptions;
};

/** A lean gRPC transport; `close()` closes its HTTP/2 sessions (running calls finish). */
export type LeanGrpcTransport = Transport & {
  /** Closes every HTTP/2 session; later calls fail. */
  close(): Promise<void>;
};

/** Creates a gRPC transport on node:http2 that reuses, adds and renews HTTP/2 sessions as needed. */
export function createLeanGrpcTransport(options: LeanGrpcTransportOptions): LeanGrpcTransport {
  const base = new URL(options.baseUrl);
  const pool = new Http2SessionPool(base.origin, {
    ...(options.idleConnectionTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleConnectionTimeoutMs }),
    ...(options.sessionOptions === undefined ? {} : { sessionOptions: options.sessionOptions }),
  });
  const interceptors = options.interceptors ?? [];
  const paths = new Map<string, string>();
  /** The :path of a request URL (cached: calls reuse a handful of URLs). */
  const pathOf = (url: string): string => {
    let path = paths.get(url);
    if (path === undefined) {
      const parsed = new URL(url);
      path = parsed.pathname + parsed.search;
      if (paths.size < 1000) paths.set(url, path);
    }
    return path;
  };
  const prefix = base.pathname.replace(/\/+$/, "");
  /** The :path of a method without interceptors (which could change the URL). */
  const pathOfMethod = (method: DescMethodUnary): string => `${prefix}/${method.parent.typeName}/${method.name}`;
  const timeoutOf = (timeoutMs: number | undefined) =>
    timeoutMs === undefined ? options.defaultTimeoutMs : timeoutMs <= 0 ? undefined : timeoutMs;

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const timeout = timeoutOf(timeoutMs);
      if (interceptors.length === 0) {
        // The hot path: no interceptor can see the request, so no Headers object, no linked AbortControllers.
        const call: UnaryCall<I, O> = {
          method,
          message: create(method.input, input),
          headers: outgoingFromInit(pathOfMethod(method), timeout, header),
          signal,
          timeoutMs: timeout,
          abortError: abortErrorOf,
        };
        return unaryExchange(pool, call);
      }
      return runUnaryCall<I, O>({
        interceptors,
        signal,
        timeoutMs: timeout,
        req: {
          stream: false,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: createMethodUrl(options.baseUrl, method),
          header: requestHeader(timeout, header),
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: (req) =>
          unaryExchange(pool, {
            method: req.method,
            message: req.message,
            headers: outgoing(pathOf(req.url), req.header),
            signal: req.signal,
            timeoutMs: undefined,
            abortError: (aborted) => aborted.reason,
          }),
      });
    },

    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const timeout = timeoutOf(timeoutMs);
      return runStreamingCall<I, O>({
        interceptors,
        signal,
        timeoutMs: timeout,
        req: {
          stream: true,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: createMethodUrl(options.baseUrl, method),
          header: requestHeader(timeout, header),
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: (req) => streamExchange(pool, pathOf(req.url), req),
      });
    },

    close: () => pool.close(),
  };
}

/** The request headers interceptors see: the caller's plus the gRPC ones. */
function requestHeader(timeoutMs: number | undefined, header: HeadersInit | undefined): Headers {
  const headers = new Headers(header);
  headers.set("content-type", "application/grpc+proto");
  headers.set("te", "trailers");
  if (timeoutMs !== undefined) headers.set("grpc-timeout", formatGrpcTimeout(timeoutMs));
  return headers;
}

/** The HTTP/2 request headers of a call to `path`. */
function outgoing(path: string, header: Headers): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ":method": "POST", ":path": path };
  header.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** The HTTP/2 request headers of a call to `path` straight from the caller's headers (no Headers object). */
function outgoingFromInit(path: string, timeoutMs: number | undefined, init: HeadersInit | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ":method": "POST", ":path": path };
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      headers[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init) headers[(name as string).toLowerCase()] = value as string;
  } else if (init !== undefined) {
    for (const name in init) headers[name.toLowerCase()] = (init as Record<string, string>)[name];
  }
  headers["content-type"] = "application/grpc+proto";
  headers.te = "trailers";
  if (timeoutMs !== undefined) headers["grpc-timeout"] = formatGrpcTimeout(timeoutMs);
  return headers;
}

/** Opens the call's stream; a session that cannot take it is UNAVAILABLE, headers node:http2 refuses are INVALID_ARGUMENT. */
function openStream(pool: Http2SessionPool, headers: OutgoingHttpHeaders): ClientHttp2Stream {
  try {
    return pool.request(headers);
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code?.startsWith("ERR_INVALID_") ||
      (error as NodeJS.ErrnoException).code?.startsWith("ERR_HTTP2_INVALID_HEADER")
    ) {
      throw new ConnectError(`invalid request header: ${(error as Error).message}`, Code.InvalidArgument, undefined, undefined, error);
    }
    throw new ConnectError(`cannot reach the proxy: ${(error as Error).message}`, Code.Unavailable, undefined, undefined, error);
  }
}

/** Whether the stream's HTTP/2 session is gone (lost connection), rather than the stream reset on its own. */
function sessionLost(stream: ClientHttp2Stream): boolean {
  const session = stream.session;
  return session === undefined || session.destroyed;
}

/** Whether the server refused the stream unprocessed (REFUSED_STREAM, or above a GOAWAY's last stream): safe to send again. */
function refused(stream: ClientHttp2Stream, head: IncomingHttpHeaders | undefined): boolean {
  return head === undefined && stream.rstCode === constants.NGHTTP2_REFUSED_STREAM;
}

/** One unary call as the exchange needs it, from the hot path or from behind interceptors. */
type UnaryCall<I extends DescMessage, O extends DescMessage> = {
  method: DescMethodUnary<I, O>;
  message: MessageShape<I>;
  /** HTTP/2 request headers, pseudo-headers included. */
  headers: OutgoingHttpHeaders;
  signal: AbortSignal | undefined;
  /** Deadline enforced here (undefined when runUnaryCall enforces it through the signal). */
  timeoutMs: number | undefined;
  /** The error a call aborted by `signal` fails with. */
  abortError: (signal: AbortSignal) => unknown;
};

/** The error of a call whose caller's signal aborted: CANCELED unless the reason is a ConnectError already. */
function abortErrorOf(signal: AbortSignal): ConnectError {
  return ConnectError.from(getAbortSignalReason(signal), Code.Canceled);
}

/**
 * Sends one unary request and reads its one response message and status. A request the server refused
 * unprocessed (a GOAWAY crossing it) is sent once more, on another session.
 */
function unaryExchange<I extends DescMessage, O extends DescMessage>(
  pool: Http2SessionPool,
  call: UnaryCall<I, O>,
  retried = false,
): Promise<UnaryResponse<I, O>> {
  return new Promise((resolve, reject) => {
    const signal = call.signal;
    if (signal?.aborted) {
      reject(call.abortError(signal));
      return;
    }
    let stream: ClientHttp2Stream;
    try {
      stream = openStream(pool, call.headers);
    } catch (error) {
      reject(error);
      return;
    }
    let head: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    let failure: Error | undefined;
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resetStream(stream);
      reject(error);
    };
    const onAbort = () => fail(call.abortError(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (call.timeoutMs !== undefined) {
      timer = setTimeout(() => fail(new ConnectError("the operation timed out", Code.DeadlineExceeded)), call.timeoutMs);
    }
    stream.on("response", (headers) => {
      head = headers;
    });
    stream.on("data", (chunk: Buffer) => {
      if (first === undefined) first = chunk;
      else if (more === undefined) more = [first, chunk];
      else more.push(chunk);
    });
    stream.on("trailers", (headers) => {
      trailers = headers;
    });
    stream.on("error", (error) => {
      failure = error;
    });
    stream.on("close", () => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (!retried && refused(stream, head)) {
        resolve(unaryExchange(pool, call, true));
        return;
      }
      try {
        const body = more === undefined ? first : Buffer.concat(more);
        resolve(unaryResult(call.method, head, trailers, body, failure, stream.rstCode, sessionLost(stream)));
      } catch (error) {
        reject(error);
      }
    });
    try {
      stream.end(encodeFrame(toBinary(call.method.input, call.message)));
    } catch (error) {
      fail(ConnectError.from(error, Code.Internal));
    }
  });
}

/** The outcome of a finished unary exchange, checked in the order Connect's gRPC transport checks it. */
function unaryResult<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  head: IncomingHttpHeaders | undefined,
  trailers: IncomingHttpHeaders | undefined,
  body: Buffer | undefined,
  failure: Error | undefined,
  rstCode: number | undefined,
  lost: boolean,
): UnaryResponse<I, O> {
  if (head === undefined) throw streamFailure(failure, rstCode, lost);
  const { headerError } = checkResponseHead(head);
  const reset = trailers === undefined && head["grpc-status"] === undefined && rstCode !== undefined && rstCode !== 0;
  if (failure !== undefined || reset) throw streamFailure(failure, rstCode, lost);
  const messages = body === undefined ? [] : readFrames(body);
  if (messages.length > 1) throw new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented);
  checkTrailers(head, trailers);
  const bytes = messages[0];
  if (bytes === undefined) {
    if (headerError) throw headerError;
    throw new ConnectError(
      "protocol error: missing output message for unary method",
      trailers?.["grpc-status"] !== undefined ? Code.Unimplemented : Code.Unknown,
    );
  }
  if (headerError) throw new ConnectError("protocol error: received output message for unary method with error status", Code.Unknown);
  return new LeanUnaryResponse(method, decode(method.output, bytes), head, trailers);
}

/** A unary response whose headers and trailers become fetch Headers only when read. */
class LeanUnaryResponse<I extends DescMessage, O extends DescMessage> implements UnaryResponse<I, O> {
  readonly stream = false;
  readonly service: DescMethodUnary<I, O>["parent"];
  private convertedHeader: Headers | undefined;
  private convertedTrailer: Headers | undefined;

  constructor(
    readonly method: DescMethodUnary<I, O>,
    readonly message: MessageShape<O>,
    private readonly head: IncomingHttpHeaders,
    private readonly trailers: IncomingHttpHeaders | undefined,
  ) {
    this.service = method.parent;
  }

  /** The response headers. */
  get header(): Headers {
    this.convertedHeader ??= toHeaders(this.head);
    return this.convertedHeader;
  }

  /** The response trailers. */
  get trailer(): Headers {
    this.convertedTrailer ??= toHeaders(this.trailers);
    return this.convertedTrailer;
  }
}

/** The messages of a complete response body; a compressed or cut-off frame is an error. */
function readFrames(body: Buffer): Uint8Array[] {
  if (body.byteLength >= 5 && body[0] === 0 && body.readUInt32BE(1) === body.byteLength - 5) return [body.subarray(5)];
  const reader = new FrameReader();
  const messages: Uint8Array[] = [];
  checkFlags(body);
  messages.push(...reader.push(body));
  if (reader.pendingBytes > 0) throw new ConnectError("protocol error: the response ended inside a message", Code.Internal);
  return messages;
}

/** Throws for a frame with a flag other than 0 (compressed or not a message): nothing else was negotiated. */
function checkFlags(body: Buffer): void {
  let offset = 0;
  while (offset + 5 <= body.byteLength) {
    if (body[offset] !== 0) throw new ConnectError(`protocol error: unexpected message flag ${body[offset]}`, Code.Internal);
    offset += 5 + body.readUInt32BE(offset + 1);
  }
}

/** Parses one response message. */
function decode<O extends DescMessage>(schema: O, bytes: Uint8Array) {
  try {
    // A plain Uint8Array view, so bytes fields are Uint8Arrays (as with Connect), not Buffers.
    return fromBinary(schema, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ConnectError(`failed to parse ${schema.typeName}: ${(error as Error).message}`, Code.Internal, undefined, undefined, error);
  }
}

/** Opens a server or bidi stream; resolves at the response head with the message iterable. */
async function streamExchange<I extends DescMessage, O extends DescMessage>(
  pool: Http2SessionPool,
  path: string,
  req: StreamRequest<I, O>,
): Promise<StreamResponse<I, O>> {
  if (req.method.methodKind === "bidi_streaming") return openServerStream(pool, path, req, req.message);
  if (req.method.methodKind !== "server_streaming") {
    throw new ConnectError(
      `${req.method.methodKind} calls are not supported by the lean gRPC transport (use nodeTransport "connect")`,
      Code.Unimplemented,
    );
  }
  let request: (typeof req.message extends AsyncIterable<infer T> ? T : never) | undefined;
  for await (const message of req.message) {
    if (request !== undefined) throw new ConnectError("protocol error: more than one request for a server stream", Code.Internal);
    request = message;
  }
  if (request === undefined) throw new ConnectError("protocol error: missing request for a server stream", Code.Internal);
  return openServerStream(pool, path, req, toBinary(req.method.input, request));
}

/** Writes every message `input` yields to `stream` (waiting while it is full), then ends the request. */
async function sendRequests<I extends DescMessage>(
  stream: ClientHttp2Stream,
  schema: I,
  input: AsyncIterable<MessageInitShape<I>>,
): Promise<void> {
  try {
    for await (const message of input) {
      if (stream.closed || stream.destroyed) return;
      const bytes = toBinary(schema, asMessage(schema, message as object) as MessageShape<I>);
      if (!stream.write(encodeFrame(bytes))) await waitForDrain(stream);
    }
    if (!stream.closed && !stream.destroyed) stream.end();
  } catch {
    // The input failed: cancel the call (the response side reports CANCELED).
    resetStream(stream);
  }
}

/**
 * Opens a stream with the request message `request` (a server stream; refused unprocessed, it is opened once
 * more) or with the request messages `request` yields (a bidi stream, sent as they come).
 */
async function openServerStream<I extends DescMessage, O extends DescMessage>(
  pool: Http2SessionPool,
  path: string,
  req: StreamRequest<I, O>,
  request: Uint8Array | AsyncIterable<MessageInitShape<I>>,
  retried = false,
): Promise<StreamResponse<I, O>> {
  const signal = req.signal;
  if (signal.aborted) throw signal.reason;
  const stream = openStream(pool, outgoing(path, req.header));
  const trailer = new Headers();
  let trailers: IncomingHttpHeaders | undefined;
  let failure: Error | undefined;
  const onAbort = () => resetStream(stream);
  signal.addEventListener("abort", onAbort, { once: true });
  stream.once("trailers", (headers) => {
    trailers = headers;
    toHeaders(headers).forEach((value, name) => {
      trailer.append(name, value);
    });
  });
  stream.on("error", (error) => {
    failure = error;
  });
  const head = await new Promise<IncomingHttpHeaders | undefined>((resolve, reject) => {
    const onClose = () => {
      if (!retried && !signal.aborted && request instanceof Uint8Array && refused(stream, undefined)) resolve(undefined);
      else reject(signal.aborted ? signal.reason : streamFailure(failure, stream.rstCode, sessionLost(stream)));
    };
    stream.once("response", (headers) => {
      stream.off("close", onClose);
      resolve(headers);
    });
    stream.once("close", onClose);
    if (!(request instanceof Uint8Array)) {
      void sendRequests(stream, req.method.input, request);
      return;
    }
    try {
      stream.end(encodeFrame(request));
    } catch (error) {
      resetStream(stream);
      reject(ConnectError.from(error, Code.Internal));
    }
  }).catch((error: unknown) => {
    signal.removeEventListener("abort", onAbort);
    throw error;
  });
  if (head === undefined) {
    signal.removeEventListener("abort", onAbort);
    return openServerStream(pool, path, req, request, true);
  }
  const responseHead = head;
  let checked: ResponseHead;
  try {
    checked = checkResponseHead(head);
    if (checked.headerError) throw checked.headerError;
  } catch (error) {
    signal.removeEventListener("abort", onAbort);
    resetStream(stream);
    throw error;
  }
  async function* messages() {
    const reader = new FrameReader();
    try {
      for await (const chunk of stream) {
        const data = chunk as Buffer;
        if (reader.pendingBytes === 0) checkFlags(data);
        for (const bytes of reader.push(data)) yield decode(req.method.output, bytes);
      }
      if (signal.aborted) throw signal.reason;
      if (reader.pendingBytes > 0) throw new ConnectError("protocol error: the response ended inside a message", Code.Internal);
      if (!checked.foundStatus) {
        if (trailers === undefined && (failure !== undefined || (stream.rstCode ?? 0) !== 0))
          throw streamFailure(failure, stream.rstCode, sessionLost(stream));
        checkTrailers(responseHead, trailers);
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof ConnectError) throw error;
      throw streamFailure(failure ?? (error as Error), stream.rstCode, sessionLost(stream));
    } finally {
      signal.removeEventListener("abort", onAbort);
      resetStream(stream);
    }
  }
  return {
    ...req,
    header: toHeaders(head),
    trailer,
    message: messages(),
  };
}
