// A lean PubSub subscriber on bare node:http2, so a load test measures the proxy and not the client:
// one server-streaming Subscribe call with a precomputed request frame, its response frames split
// by GrpcFrameReader and decoded with protobuf-es; `subscribed` resolves `ready`, and every
// `message` event's payload goes to `onPayload`. Closing cancels the stream (RST_STREAM CANCEL).
import { constants } from "node:http2";
import { GrpcFrameReader } from "./grpc-frame-reader.mjs";

/**
 * Opens Subscribe on `session`.
 * @param {import("node:http2").ClientHttp2Session} session
 * @param {Record<string, string>} headers request headers (":path" = the Subscribe method)
 * @param {Buffer} requestFrame the SubscribeRequest as one gRPC frame
 * @param {{ fromBinary: Function, SubscribeResponseSchema: unknown }} protocol
 * @param {{ onPayload(payload: Uint8Array): void, onFailure(message: string): void }} sink
 * @returns {{ ready: Promise<void>, close(): Promise<void> }}
 */
export function openGrpcSubscriber(session, headers, requestFrame, { fromBinary, SubscribeResponseSchema }, sink) {
  let subscribed = false;
  let closing = false;
  let status;
  let statusMessage;
  let streamError;
  let resolveReady;
  let rejectReady;
  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // also surfaced through onFailure

  const stream = session.request(headers);
  const reader = new GrpcFrameReader((bytes) => {
    const { event } = fromBinary(SubscribeResponseSchema, bytes);
    if (event.case === "message") sink.onPayload(event.value.payload);
    else if (event.case === "subscribed" && !subscribed) {
      subscribed = true;
      resolveReady();
    } else sink.onFailure(`unexpected Subscribe event ${event.case ?? "(empty)"}`);
  });
  stream.on("data", (chunk) => {
    try {
      reader.push(chunk);
    } catch (error) {
      sink.onFailure(`Subscribe response unreadable: ${error.message}`);
      stream.close(constants.NGHTTP2_CANCEL);
    }
  });
  // A trailers-only answer (typical for errors) carries grpc-status in the headers.
  stream.once("response", (h) => {
    if (h["grpc-status"] !== undefined) {
      status = h["grpc-status"];
      statusMessage = h["grpc-message"];
    } else if (h[":status"] !== 200) {
      status = "http";
      statusMessage = `HTTP ${h[":status"]}`;
    }
  });
  stream.once("trailers", (t) => {
    status = t["grpc-status"];
    statusMessage = t["grpc-message"];
  });
  stream.once("error", (error) => {
    streamError = error;
  });
  const closed = new Promise((resolve) => {
    stream.once("close", () => {
      if (!closing) {
        const why =
          streamError?.message ??
          `grpc-status ${status ?? "missing"}${statusMessage ? `: ${decodeURIComponent(String(statusMessage))}` : ""}`;
        const message = `Subscribe ${subscribed ? "ended early" : "failed"} (${headers["prism-namespace"] ?? "default"}): ${why}`;
        sink.onFailure(message);
        rejectReady(new Error(message));
      }
      resolve();
    });
  });
  stream.end(requestFrame);

  return {
    ready,
    /** Cancels the stream and resolves once it is closed. Safe to call twice. */
    close() {
      closing = true;
      if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
      return closed;
    },
  };
}
