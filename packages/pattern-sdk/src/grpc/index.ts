// Internal: the lean gRPC-over-HTTP/2 pieces shared by patterns and the proxy. Not a stable API.
export { encodeFrame, decodeSingleFrame, FrameReader, frameHeaderBytes } from "./grpc-frame.js";
export { statusFromError, statusTrailers, encodeGrpcMessage, type GrpcStatus } from "./grpc-status.js";
export { parseGrpcTimeout, formatGrpcTimeout } from "./grpc-timeout.js";
export { addService, type GrpcMethod, type GrpcMethodTable } from "./grpc-method-table.js";
export { serveGrpcCall, respondWithStatus, maxRequestBytes } from "./serve-grpc-call.js";
export { createGrpcServer, type GrpcServer, type GrpcMethodLookup } from "./grpc-server.js";
export type { CallContext, ServiceHandlers, MethodHandler, UnaryHandler, ServerStreamingHandler } from "./service-handlers.js";
export { callUnary, type CallUnaryOptions } from "./call-unary.js";
export { callServerStreaming } from "./call-server-streaming.js";
export { statusFromResponse } from "./status-from-response.js";
