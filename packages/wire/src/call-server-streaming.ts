// A minimal gRPC server-streaming client call over an existing HTTP/2 session: the proxy uses it
// to serve subscriptions to Connect / gRPC-Web clients from a pattern process. Backpressure is
// the HTTP/2 stream's own: messages are read only as fast as the caller iterates.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { IncomingHttpHeaders } from "node:http2";
import { type CallArguments, grpcRequestHeaders, requestMessage } from "./call-request.js";
import { encodeFrame, FrameReader } from "./grpc-frame.js";
import { resetStream } from "./reset-pacer.js";
import { statusFromResponse } from "./status-from-response.js";

/**
 * Calls a server-streaming method; yields each response message; throws ConnectError on a non-OK status.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export async function* callServerStreaming<I extends DescMessage, O extends DescMessage>(
  ...[session, path, input, output, request, options = {}]: CallArguments<I, O>
): AsyncGenerator<MessageShape<O>> {
  if (session.closed || session.destroyed) throw new ConnectError("connection to the pattern is closed", Code.Unavailable);
  const message = requestMessage(input, request);
  // Here the extra headers come last, so they override even grpc-timeout.
  const stream = session.request({ ...grpcRequestHeaders(path, options.timeoutMs), ...options.headers });
  let responseHeaders: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders | undefined;
  stream.on("response", (h) => {
    responseHeaders = h;
  });
  stream.on("trailers", (t) => {
    trailers = t;
  });
  const onAbort = () => resetStream(stream);
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
    resetStream(stream);
  }
}
