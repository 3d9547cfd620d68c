// @prism/wire: the lean gRPC-over-HTTP/2 layer Prism's SDK, proxy and client share: message
// frames, status trailers, deadlines, a unary and server-streaming server on node:http2, and the
// matching client calls over an existing HTTP/2 session.
//
// @private Internal to Prism: every export here may change in any release, without a major
// version (as connect-es marks its protocol modules). Pattern authors use @prism/pattern-sdk.
export { callServerStreaming } from "./call-server-streaming.js";
export { type CallUnaryOptions, callUnary } from "./call-unary.js";
export { asMessage } from "./as-message.js";
export { ByteBudget } from "./byte-budget.js";
export { CallCancellation } from "./call-cancellation.js";
export { callDeadline } from "./call-deadline.js";
export { callerIdentityHeader, decodeCallerIdentity, encodeCallerIdentity } from "./caller-identity-header.js";
export { decodeRequest } from "./decode-request.js";
export { type ErrorSink, ignoreError } from "./error-sink.js";
export { decodeSingleFrame, encodeFrame, FrameReader, frameHeaderBytes, type SingleFrame } from "./grpc-frame.js";
export { addService, type GrpcMethod, type GrpcMethodTable } from "./grpc-method-table.js";
export { createGrpcServer, type GrpcMethodLookup, type GrpcServer, type GrpcServerOptions } from "./grpc-server.js";
export { encodeGrpcMessage, type GrpcStatus, statusFromError, statusTrailers } from "./grpc-status.js";
export { defaultMaxDeadlineMs, formatGrpcTimeout, type GrpcTimeout, malformedTimeoutMessage, parseGrpcTimeout } from "./grpc-timeout.js";
export {
  encodeHopCancel,
  encodeHopRequest,
  encodeHopResponse,
  type HopFrame,
  HopFrameReader,
  HopKind,
  hopSocketOf,
} from "./hop-frame.js";
export { createHopServer, type HopServer, type HopServerOptions } from "./hop-server.js";
export { ResetPacer, resetBudget, resetStream } from "./reset-pacer.js";
export { okTrailers, respondWithMessage, respondWithStatus, responseHeaders } from "./respond-with-status.js";
export { maxRequestBytes, type ServeCallOptions, serveGrpcCall, shareResponse } from "./serve-grpc-call.js";
export { RequestStream, type RequestStreamBounds } from "./request-stream.js";
export type {
  BidiStreamingHandler,
  CallContext,
  CallerIdentity,
  MethodHandler,
  ServerStreamingHandler,
  ServiceHandlers,
  UnaryHandler,
} from "./service-handlers.js";
export { statusFromResponse } from "./status-from-response.js";
export { waitForDrain } from "./wait-for-drain.js";
export { validTraceparent } from "./traceparent.js";
