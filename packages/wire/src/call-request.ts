// The outgoing side of a client call (unary or server-streaming): its arguments, its request
// message and the HTTP/2 request headers of a gRPC call.
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { ClientHttp2Session, OutgoingHttpHeaders } from "node:http2";
import type { CallUnaryOptions } from "./call-unary.js";
import { formatGrpcTimeout } from "./grpc-timeout.js";

/**
 * The arguments of a client call: where to call, the method's input and output schemas, the request and options.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type CallArguments<I extends DescMessage, O extends DescMessage> = [
  session: ClientHttp2Session,
  path: string,
  input: I,
  output: O,
  request: MessageInitShape<I>,
  options?: CallUnaryOptions,
];

/**
 * `request` as a message of `input`: used as is when it already is one, else created from the init shape.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function requestMessage<I extends DescMessage>(input: I, request: MessageInitShape<I>): MessageShape<I> {
  return "$typeName" in request ? (request as MessageShape<I>) : create(input, request);
}

/**
 * gRPC request headers for `path`, then `extra`, then grpc-timeout when `timeoutMs` is given.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function grpcRequestHeaders(path: string, timeoutMs: number | undefined, extra?: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
    ...extra,
  };
  if (timeoutMs !== undefined) headers["grpc-timeout"] = formatGrpcTimeout(timeoutMs);
  return headers;
}
