// gRPC server reflection (grpc.reflection.v1 and the older v1alpha, which tools still ask for): one
// bidi stream per client, one answer per question — the services the proxy serves, or a file with
// its imports as serialized FileDescriptorProtos. A question it cannot answer gets an error_response
// (NOT_FOUND for an unknown file or symbol) and the stream goes on. Both versions share this code:
// their messages have the same shape.
import { Code } from "@connectrpc/connect";
import type { ServerReflection as ServerReflectionV1 } from "@prism/proto/grpc/reflection/v1";
import type { ServerReflection as ServerReflectionV1alpha } from "@prism/proto/grpc/reflection/v1alpha";
import type { ServiceHandlers } from "@prism/wire";
import type { DescriptorIndex } from "./descriptor-index.js";

/** A reflection request of either version, as far as answering it goes. */
export interface ReflectionRequest {
  /** The host the client asked about (echoed as valid_host). */
  readonly host: string;
  /** The question. */
  readonly messageRequest:
    | { readonly case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; readonly value: string }
    | { readonly case: "fileContainingExtension"; readonly value: { readonly containingType: string; readonly extensionNumber: number } }
    | { readonly case: undefined; readonly value?: undefined };
}

/** The answer to one reflection request, in the shape both versions' responses take. */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** Answers one reflection request from `index`. */
export function answerReflection(index: DescriptorIndex, request: ReflectionRequest): ReflectionAnswer {
  const question = request.messageRequest;
  switch (question.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(index.fileByName(question.value), `file ${quote(question.value)}`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(question.value), `symbol ${quote(question.value)}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = question.value;
      return files(
        index.fileContainingExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of ${quote(containingType)}`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(question.value);
      if (numbers === undefined) return notFound(`message type ${quote(question.value)}`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: question.value, extensionNumber: numbers } };
    }
    default:
      return {
        case: "errorResponse",
        value: {
          errorCode: Code.InvalidArgument,
          errorMessage:
            "the request asks nothing: set one of file_by_filename, file_containing_symbol, file_containing_extension, " +
            "all_extension_numbers_of_type, list_services",
        },
      };
  }
}

/** Answers every request of a stream, in order, echoing each request with its answer. */
export async function* reflectionAnswers<R extends ReflectionRequest>(
  index: DescriptorIndex,
  requests: AsyncIterable<R>,
): AsyncGenerator<{ validHost: string; originalRequest: R; messageResponse: ReflectionAnswer }> {
  for await (const request of requests) {
    yield { validHost: request.host, originalRequest: request, messageResponse: answerReflection(index, request) };
  }
}

/** The grpc.reflection.v1 ServerReflection handlers over `index`. */
export function reflectionV1Handlers(index: DescriptorIndex): ServiceHandlers<typeof ServerReflectionV1> {
  return { serverReflectionInfo: (requests) => reflectionAnswers(index, requests) };
}

/** The grpc.reflection.v1alpha ServerReflection handlers over `index` (same answers, older message types). */
export function reflectionV1alphaHandlers(index: DescriptorIndex): ServiceHandlers<typeof ServerReflectionV1alpha> {
  return { serverReflectionInfo: (requests) => reflectionAnswers(index, requests) };
}

function files(found: Uint8Array[] | undefined, what: string): ReflectionAnswer {
  return found === undefined ? notFound(what) : { case: "fileDescriptorResponse", value: { fileDescriptorProto: found } };
}

function notFound(what: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: `${what} is not known to this server` } };
}

/** A client-given name in a message: quoted, and cut to a sane length. */
function quote(name: string): string {
  return JSON.stringify(name.slice(0, 200));
}
