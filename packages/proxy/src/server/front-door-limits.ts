// Bounds on the Connect / gRPC-Web front door before Connect reads a request: deadline headers
// clamped to the longest deadline (a longer one would overflow a timer and end the call at once),
// a declared body over the largest legal message refused unread, and every call's body counted
// against the bytes the proxy may buffer at once (and the share of its client address).
import { Code } from "@connectrpc/connect";
import { type ByteBudget, formatGrpcTimeout, parseGrpcTimeout } from "@prism/wire";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { RefusalLog } from "./call-refusals.js";
import type { FrontDoorHandler } from "./connect-front-door.js";
import { refuseFrontDoorCall } from "./refuse-front-door-call.js";

/** The front door's bounds. */
export interface FrontDoorLimits {
  /** Request bytes buffered across every call in flight. */
  buffered: ByteBudget;
  /** Largest request body read (the largest legal message of any namespace). */
  maxRequestBytes: number;
  /** Longest deadline honoured. */
  maxDeadlineMs: number;
  /** Told of every call refused for a bound. */
  onRefused: RefusalLog;
}

/** Wraps the front door with the limits; GET requests (health, Connect GET) pass through. */
export function withFrontDoorLimits(limits: FrontDoorLimits, next: FrontDoorHandler): FrontDoorHandler {
  return (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
    clampDeadline(request.headers, limits.maxDeadlineMs);
    if (request.method !== "POST") {
      next(request, response);
      return;
    }
    const declared = Number(request.headers["content-length"]);
    const length = Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
    const client = request.socket?.remoteAddress ?? "unknown";
    const refuse = (message: string) => {
      limits.onRefused(message, client);
      refuseFrontDoorCall(request, response, Code.ResourceExhausted, message);
    };
    if (length !== undefined && length > limits.maxRequestBytes) {
      refuse(`request body of ${length} bytes is over ${limits.maxRequestBytes}, the largest accepted`);
      return;
    }
    // A body of unknown length may grow to the largest accepted message (Connect stops reading there).
    const bytes = length ?? limits.maxRequestBytes;
    if (!limits.buffered.tryTake(bytes, client)) {
      refuse(`${limits.buffered.refusal(bytes, client)} (overload.maxBufferedBytes, overload.maxBufferedBytesPerClient); retry shortly`);
      return;
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      limits.buffered.give(bytes, client);
    };
    // The body is read (and decoded) before the response starts: release then, or when the call ends early.
    request.once("end", release);
    response.once("close", release);
    next(request, response);
  };
}

/** Rewrites a `connect-timeout-ms` or `grpc-timeout` header longer than `maxMs` to `maxMs`; malformed values are left to Connect to refuse. */
function clampDeadline(headers: IncomingMessage["headers"], maxMs: number): void {
  const connect = headers["connect-timeout-ms"];
  if (typeof connect === "string" && /^\d{1,10}$/.test(connect) && Number(connect) > maxMs) headers["connect-timeout-ms"] = String(maxMs);
  const grpc = headers["grpc-timeout"];
  if (grpc !== undefined) {
    const ms = parseGrpcTimeout(grpc, Number.MAX_SAFE_INTEGER);
    if (typeof ms === "number" && ms > maxMs) headers["grpc-timeout"] = formatGrpcTimeout(maxMs);
  }
}
