// A minimal gRPC unary client call over an existing HTTP/2 session: the proxy uses it to drive a
// pattern's lifecycle and to reach a pattern from its Connect/gRPC-Web front door.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import { type CallArguments, grpcRequestHeaders, requestMessage } from "./call-request.js";
import { decodeSingleFrame, encodeFrame } from "./grpc-frame.js";
import { resetStream } from "./reset-pacer.js";
import { statusFromResponse } from "./status-from-response.js";

/**
 * Options of one unary call.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface CallUnaryOptions {
  /** Deadline in milliseconds (sent as grpc-timeout and enforced locally). */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: OutgoingHttpHeaders;
}

/**
 * Calls `path` on `session` with one request message; resolves with the response or throws ConnectError.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function callUnary<I extends DescMessage, O extends DescMessage>(
  ...[session, path, input, output, request, options = {}]: CallArguments<I, O>
): Promise<MessageShape<O>> {
  return new Promise((resolve, reject) => {
    if (session.closed || session.destroyed) {
      reject(new ConnectError("connection to the pattern is closed", Code.Unavailable));
      return;
    }
    const message = requestMessage(input, request);
    const headers = grpcRequestHeaders(path, options.timeoutMs, options.headers);
    let stream: ReturnType<ClientHttp2Session["request"]>;
    try {
      stream = session.request(headers);
    } catch (error) {
      reject(new ConnectError(`cannot reach the pattern: ${(error as Error).message}`, Code.Unavailable));
      return;
    }
    const chunks: Buffer[] = [];
    let responseHeaders: IncomingHttpHeaders = {};
    let settled = false;
    const finish = (error: ConnectError | undefined, value?: MessageShape<O>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (error) {
        resetStream(stream);
        reject(error);
      } else resolve(value as MessageShape<O>);
    };
    // Aborted for a reason with a status (a Connect handler's deadline is DEADLINE_EXCEEDED): that status, else CANCELLED.
    const onAbort = () => {
      const reason: unknown = options.signal?.reason;
      finish(reason instanceof ConnectError ? reason : new ConnectError("call canceled", Code.Canceled));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => finish(new ConnectError(`deadline of ${options.timeoutMs} ms exceeded`, Code.DeadlineExceeded)),
            options.timeoutMs,
          );
    stream.on("response", (h) => {
      responseHeaders = h;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (error) => finish(new ConnectError(`call to the pattern failed: ${error.message}`, Code.Unavailable)));
    let trailers: IncomingHttpHeaders | undefined;
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("close", () => {
      const status = statusFromResponse(responseHeaders, trailers);
      if (status) {
        finish(status);
        return;
      }
      const frame = decodeSingleFrame(Buffer.concat(chunks));
      if (!frame.ok) {
        finish(new ConnectError("the pattern sent a malformed response", Code.Internal));
        return;
      }
      try {
        finish(undefined, fromBinary(output, frame.message));
      } catch (error) {
        finish(new ConnectError(`cannot decode ${output.typeName}: ${(error as Error).message}`, Code.Internal));
      }
    });
    stream.end(encodeFrame(toBinary(input, message)));
  });
}
