// Forwards one unary gRPC call to a pattern process over its hop connection (see HopConnection):
// the request message is read whole (bounded by the namespace's largest request and the proxy's
// buffer budget, as forwardGrpcCall bounds it), sent as a hop request without being decoded, and
// the answer written back as the gRPC response and trailers. The deadline is the proxy's own; a
// caller that goes away cancels the call on the pattern.
import { Code } from "@connectrpc/connect";
import {
  type CallerIdentity,
  callDeadline,
  decodeSingleFrame,
  encodeCallerIdentity,
  encodeFrame,
  type GrpcStatus,
  ignoreError,
  respondWithMessage,
  respondWithStatus,
  validTraceparent,
} from "@prism/wire";
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { HopConnection, HopOutcome } from "../patterns/hop-connection.js";
import type { ForwardDone, ForwardOptions } from "./forward-grpc-call.js";

/** Sends the unary call of `client` (its address) on `stream` over `hop`; `done` runs once when it has ended. */
export function forwardUnaryOverHop(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  client: string,
  hop: HopConnection,
  options: ForwardOptions,
  done: ForwardDone,
  identity?: CallerIdentity,
): void {
  stream.on("error", options.onStreamError ?? ignoreError);
  const timeoutMs = callDeadline(stream, headers, options.maxDeadlineMs);
  if (timeoutMs === "refused") {
    done();
    return;
  }
  const budget = options.buffered;
  const chunks: Buffer[] = [];
  let size = 0;
  let held = 0;
  let finished = false;
  let requestEnded = false;
  let callId: number | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    if (finished) return;
    finished = true;
    if (deadline !== undefined) clearTimeout(deadline);
    if (held > 0) budget?.give(held, client);
    held = 0;
    chunks.length = 0;
    done();
  };
  /** Ends the call here with `status`; the pattern forgets it. */
  const endWith = (status: GrpcStatus) => {
    if (callId !== undefined) hop.cancel(callId);
    respondWithStatus(stream, status);
    // The answer is out; RST_STREAM(NO_ERROR) tells a client still sending to stop (RFC 9113 §8.1).
    if (!requestEnded && !stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
    finish();
  };
  const refuse = (message: string) => {
    options.onRefused?.(message, client);
    endWith({ code: Code.ResourceExhausted, message });
  };
  if (timeoutMs !== undefined) {
    deadline = setTimeout(() => endWith({ code: Code.DeadlineExceeded, message: `deadline of ${timeoutMs} ms exceeded` }), timeoutMs);
  }
  stream.on("data", (chunk: Buffer) => {
    if (finished) return;
    if (size + chunk.byteLength > options.requestLimit + 5) {
      refuse(`request message over ${options.requestLimit} bytes, the largest this namespace accepts`);
      return;
    }
    if (budget) {
      if (!budget.tryTake(chunk.byteLength, client)) {
        refuse(`${budget.refusal(chunk.byteLength, client)}; retry shortly`);
        return;
      }
      held += chunk.byteLength;
    }
    size += chunk.byteLength;
    chunks.push(chunk);
  });
  stream.once("end", () => {
    requestEnded = true;
    if (finished) return;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    const frame = decodeSingleFrame(body);
    if (!frame.ok) {
      endWith(
        frame.problem === "compressed"
          ? { code: Code.Unimplemented, message: "compressed request messages are not supported; send uncompressed" }
          : { code: Code.InvalidArgument, message: "request body is not exactly one gRPC message frame" },
      );
      return;
    }
    const traceparent = validTraceparent(headers.traceparent) ?? "";
    callId = hop.call(
      headers[":path"] as string,
      timeoutMs,
      identity ? encodeCallerIdentity(identity) : "",
      frame.message,
      (outcome) => answer(stream, outcome, finish),
      traceparent,
    );
    // The request is in the hop's send buffer: its bytes no longer count against the budget.
    if (held > 0) budget?.give(held, client);
    held = 0;
  });
  stream.once("close", () => {
    if (callId !== undefined && !finished) hop.cancel(callId);
    finish();
  });
}

/** Writes the pattern's answer as the gRPC response. */
function answer(stream: ServerHttp2Stream, outcome: HopOutcome, finish: () => void): void {
  if (stream.destroyed || stream.closed || stream.headersSent) {
    finish();
    return;
  }
  if (outcome.status !== undefined) {
    respondWithStatus(stream, outcome.status);
  } else {
    respondWithMessage(stream, encodeFrame(outcome.message));
  }
  finish();
}
