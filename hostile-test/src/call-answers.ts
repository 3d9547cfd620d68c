// Reading what the proxy answered, whatever the protocol: a gRPC stream's status (trailers or
// trailers-only headers) and messages, and a Connect or gRPC-Web call made over HTTP/1.1 with raw
// bytes and headers of the test's choosing (a huge or malformed deadline, a bad namespace).
import { Code } from "@prism/client";
import { encodeFrame, FrameReader } from "@prism/wire";
import { request } from "node:http";
import type { ClientHttp2Stream, IncomingHttpHeaders } from "node:http2";

/** gRPC status OK (Connect's Code enum has no member for it). */
export const okCode = 0;

/** The end of a call: its status code (-1 when the stream ended without one), message and response messages. */
export interface CallAnswer {
  code: number;
  message: string;
  messages: Uint8Array[];
  /** The HTTP status (HTTP/1.1 calls) or RST_STREAM code (gRPC streams that ended without a status). */
  httpStatus?: number;
  rstCode?: number;
}

/** A gRPC call being watched: the messages so far, and its answer once the stream closes. */
export interface WatchedCall {
  /** Response messages received so far. */
  readonly messages: Uint8Array[];
  /** Resolves once the stream has closed. */
  readonly answer: Promise<CallAnswer>;
  /** Whether the stream has closed. */
  readonly ended: boolean;
}

/** Sends `body` (a gRPC frame, or nothing) on `stream` and watches it. */
export function watchGrpcCall(stream: ClientHttp2Stream, body?: Buffer): WatchedCall {
  const messages: Uint8Array[] = [];
  let ended = false;
  const answer = new Promise<CallAnswer>((resolve) => {
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const reader = new FrameReader();
    stream.on("response", (received) => {
      headers = received;
    });
    stream.on("trailers", (received) => {
      trailers = received;
    });
    stream.on("data", (chunk: Buffer) => messages.push(...reader.push(chunk)));
    stream.on("error", () => {});
    stream.on("close", () => {
      ended = true;
      const status = trailers["grpc-status"] ?? headers["grpc-status"];
      const message = trailers["grpc-message"] ?? headers["grpc-message"];
      resolve({
        code: status === undefined ? -1 : Number(status),
        message: decodeURIComponent(String(message ?? "")),
        messages,
        rstCode: stream.rstCode,
      });
    });
    if (body) stream.end(body);
    else stream.end();
  });
  return {
    messages,
    answer,
    get ended() {
      return ended;
    },
  };
}

/** Sends `body` (a gRPC frame, or nothing) on `stream` and resolves with its answer once it closes. */
export function grpcAnswer(stream: ClientHttp2Stream, body?: Buffer): Promise<CallAnswer> {
  return watchGrpcCall(stream, body).answer;
}

/** Connect's names of status codes ("deadline_exceeded") → codes. */
const connectCodes = new Map<string, Code>(
  Object.entries(Code)
    .filter((entry): entry is [string, Code] => typeof entry[1] === "number")
    .map(([name, code]) => [name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`)), code]),
);

/** The two HTTP/1.1 protocols the proxy serves besides gRPC. */
export type WebProtocol = "connect" | "grpc-web";

/** A Connect or gRPC-Web call. */
export interface WebCall {
  url: string;
  protocol: WebProtocol;
  /** "/prism.keyvalue.v1.KeyValueService/Get". */
  path: string;
  /** The serialized request message. */
  message: Uint8Array;
  /** A server-streaming method (Connect then uses its enveloped form). */
  streaming?: boolean;
  /** Extra request headers (raw values). */
  headers?: Record<string, string>;
  /** Connect from this address. */
  localAddress?: string;
  /** Give up (and report code -1) after this long. */
  giveUpAfterMs?: number;
}

/** Makes the call over a new HTTP/1.1 connection and resolves with its answer. */
export function webCall(call: WebCall): Promise<CallAnswer> {
  const envelope = (flags: number, payload: Uint8Array) => {
    const frame = encodeFrame(payload);
    frame[0] = flags;
    return frame;
  };
  const connectUnary = call.protocol === "connect" && !call.streaming;
  const contentType =
    call.protocol === "grpc-web" ? "application/grpc-web+proto" : connectUnary ? "application/proto" : "application/connect+proto";
  const body = connectUnary ? Buffer.from(call.message) : envelope(0, call.message);
  const headers: Record<string, string> = {
    "content-type": contentType,
    ...(call.protocol === "connect" ? { "connect-protocol-version": "1" } : { "x-grpc-web": "1" }),
    ...call.headers,
  };
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const req = request(
      new URL(call.path, call.url),
      { method: "POST", headers, agent: false, ...(call.localAddress ? { localAddress: call.localAddress } : {}) },
      (response) => {
        const chunks = received;
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", () => resolve({ code: -1, message: "response aborted", messages: [], httpStatus: response.statusCode }));
        response.on("end", () => {
          clearTimeout(timer);
          const raw = Buffer.concat(chunks);
          const answer = connectUnary
            ? readConnectUnary(response.statusCode ?? 0, raw)
            : readEnveloped(call.protocol, response.headers, raw);
          resolve({ ...answer, httpStatus: response.statusCode });
        });
      },
    );
    const timer = call.giveUpAfterMs
      ? setTimeout(() => {
          // Still open: report the messages so far, without a status.
          const sofar = readEnveloped(call.protocol, {}, Buffer.concat(received));
          req.destroy();
          resolve({ code: -1, message: `no answer within ${call.giveUpAfterMs} ms`, messages: sofar.messages });
        }, call.giveUpAfterMs)
      : undefined;
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

function readConnectUnary(httpStatus: number, body: Buffer): CallAnswer {
  if (httpStatus === 200) return { code: okCode, message: "", messages: [new Uint8Array(body)] };
  return fromConnectError(JSON.parse(body.toString("utf8") || "{}") as { code?: string; message?: string });
}

function fromConnectError(error: { code?: string; message?: string }): CallAnswer {
  return { code: connectCodes.get(error.code ?? "") ?? Code.Unknown, message: error.message ?? "", messages: [] };
}

/** Reads Connect streaming envelopes or gRPC-Web frames; the status is in the last one (or in the headers, trailers-only). */
export function readEnveloped(protocol: WebProtocol, headers: IncomingHttpHeaders, body: Buffer): CallAnswer {
  if (protocol === "grpc-web" && headers["grpc-status"] !== undefined) {
    return { code: Number(headers["grpc-status"]), message: decodeURIComponent(String(headers["grpc-message"] ?? "")), messages: [] };
  }
  if (protocol === "connect" && headers["content-type"] !== undefined && !headers["content-type"].startsWith("application/connect")) {
    return fromConnectError(JSON.parse(body.toString("utf8") || "{}") as { code?: string; message?: string });
  }
  const messages: Uint8Array[] = [];
  for (let at = 0; at + 5 <= body.byteLength; ) {
    const flags = body[at] as number;
    const length = body.readUInt32BE(at + 1);
    const payload = body.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    if (protocol === "connect" && flags & 0x02) {
      const end = JSON.parse(payload.toString("utf8") || "{}") as { error?: { code?: string; message?: string } };
      return end.error ? { ...fromConnectError(end.error), messages } : { code: okCode, message: "", messages };
    }
    if (protocol === "grpc-web" && flags & 0x80) {
      const trailers = Object.fromEntries(
        payload
          .toString("utf8")
          .split("\r\n")
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      return { code: Number(trailers["grpc-status"]), message: decodeURIComponent(trailers["grpc-message"] ?? ""), messages };
    }
    messages.push(new Uint8Array(payload));
  }
  return { code: -1, message: "the response ended without a status", messages };
}
