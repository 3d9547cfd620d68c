// A minimal gRPC server-streaming client call over an existing HTTP/2 session: the proxy uses it
// to serve subscriptions to Connect / gRPC-Web clients from a pattern process. Backpressure is
// the HTTP/2 stream's own: messages are read only as fast as the caller iterates.
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import type { CallUnaryOptions } from "./call-unary.js";
import { encodeFrame, FrameReader } from "./grpc-frame.js";
import { statusFromResponse } from "./status-from-response.js";
import { formatGrpcTimeout } from "./grpc-timeout.js";

/** Calls a server-streaming method; yields each response message; throws ConnectError on a non-OK status. */
export async function* callServerStreaming<I extends DescMessage, O extends DescMessage>(
  session: ClientHttp2Session,
  path: string,
  input: I,
  output: O,
  request: MessageInitShape<I>,
  options: CallUnaryOptions = {},
): AsyncGenerator<MessageShape<O>> {
  if (session.closed || session.destroyed) throw new ConnectError("connection to the pattern is closed", Code.Unavailable);
  const message = "$typeName" in request ? (request as MessageShape<I>) : create(input, request);
  const headers: Record<string, string> = {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
  };
  if (options.timeoutMs !== undefined) headers["grpc-timeout"] = formatGrpcTimeout(options.timeoutMs);
  const stream = session.request({ ...headers, ...options.headers });
  let responseHeaders: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders | undefined;
  stream.on("response", (h) => {
    responseHeaders = h;
  });
  stream.on("trailers", (t) => {
    trailers = t;
  });
  const onAbort = () => stream.close(constants.NGHTTP2_CANCEL);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  stream.end(encodeFrame(toBinary(input, message)));
  const reader = new FrameReader();
  try {
    try {
      for await (const chunk of stream) {
        for (const frame of reader.push(chunk as Buffer)) yield fromBinary(output, frame);
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      throw new ConnectError(`stream from the pattern failed: ${(error as Error).message}`, Code.Unavailable);
    }
    if (options.signal?.aborted) return;
    const status = statusFromResponse(responseHeaders, trailers);
    if (status) throw status;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  }
}
