// A lean gRPC unary caller on bare node:http2, so a load test measures the server and not the
// client: a few HTTP/2 sessions used round-robin, precomputed request frames, no response decoding.
import { connect } from "node:http2";

/** Wraps protobuf bytes in one gRPC length-prefixed message frame (flag 0 = uncompressed). */
export function grpcFrame(messageBytes) {
  const frame = Buffer.allocUnsafe(5 + messageBytes.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(messageBytes.byteLength, 1);
  frame.set(messageBytes, 5);
  return frame;
}

/**
 * Opens `count` HTTP/2 connections to `url` ("http://host:port") and resolves once all are up.
 * `windowBytes` (optional) raises the receive windows, per stream and per connection, for streams
 * that receive a lot. Errors surface per stream.
 */
export async function openHttp2Sessions(url, count, { windowBytes } = {}) {
  const options = windowBytes ? { settings: { initialWindowSize: Math.min(windowBytes, 2 ** 31 - 1) } } : {};
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const session = connect(url, options);
          session.once("error", reject);
          session.once("connect", () => {
            session.off("error", reject);
            session.on("error", () => {}); // surfaced per stream
            if (windowBytes) session.setLocalWindowSize(windowBytes);
            resolve(session);
          });
        }),
    ),
  );
}

/** Opens `sessions` HTTP/2 connections to `url` ("http://host:port") and resolves once all are up. */
export async function createGrpcLoad(url, { sessions = 4 } = {}) {
  const open = await openHttp2Sessions(url, sessions);
  let turn = 0;

  return {
    /** Request headers of a method (":path" = "/pkg.Service/Method") plus extra headers; build once, reuse. */
    headers(path, extra = {}) {
      return { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...extra };
    },

    /** One unary call: sends `frame`, drains the answer, resolves on grpc-status 0, rejects otherwise. */
    unary(headers, frame) {
      const session = open[turn];
      turn = turn + 1 === open.length ? 0 : turn + 1;
      return new Promise((resolve, reject) => {
        const stream = session.request(headers);
        let status;
        let message;
        let failure;
        // A trailers-only answer (typical for errors) carries grpc-status in the headers.
        stream.once("response", (h) => {
          if (h["grpc-status"] !== undefined) {
            status = h["grpc-status"];
            message = h["grpc-message"];
          } else if (h[":status"] !== 200) {
            status = "http";
            message = `HTTP ${h[":status"]}`;
          }
        });
        stream.once("trailers", (t) => {
          status = t["grpc-status"];
          message = t["grpc-message"];
        });
        stream.once("error", (error) => {
          failure = error;
        });
        stream.once("close", () => {
          if (status === "0") resolve();
          else if (failure) reject(failure);
          else
            reject(
              new Error(
                `grpc-status ${status ?? "missing"}${message ? `: ${decodeURIComponent(String(message))}` : ""} (${headers[":path"]})`,
              ),
            );
        });
        stream.resume(); // discard the response message
        stream.end(frame);
      });
    },

    /** Closes every session (one the proxy already closed, e.g. idle, has nothing to wait for). */
    async close() {
      await Promise.all(
        open.map((session) => (session.closed || session.destroyed ? undefined : new Promise((resolve) => session.close(resolve)))),
      );
    },
  };
}
