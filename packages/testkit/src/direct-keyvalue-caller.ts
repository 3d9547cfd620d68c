// directKeyValueCaller: a KeyValueBackend behind the SDK's validating KeyValueService handlers,
// in Connect client shape, so the acceptance suite runs against a backend without any network.
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { type CallOptions, ConnectError } from "@connectrpc/connect";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import type { KeyValueBackend } from "@prism/pattern-sdk";
import { createKeyValueHandlers, defaultKeyValueLimits, type KeyValueLimits } from "@prism/pattern-sdk/host";
import type { CallContext } from "@prism/wire";
import type { KeyValueCaller } from "./keyvalue-acceptance-options.js";

/** A handler of any one unary method, as seen from the generic loop below. */
type AnyUnaryHandler = (request: MessageShape<DescMessage>, context: CallContext) => Promise<MessageInitShape<DescMessage>>;

/** A client method of any one unary method, as built by the generic loop below. */
type AnyUnaryCall = (request: MessageInitShape<DescMessage>, options?: CallOptions) => Promise<MessageShape<DescMessage>>;

/** Calls `backend` through `createKeyValueHandlers` (default limits, overridden by `limits`) with the shape of a Connect client. */
export function directKeyValueCaller(backend: KeyValueBackend, limits?: Partial<KeyValueLimits>): KeyValueCaller {
  const handlers = createKeyValueHandlers(backend, { ...defaultKeyValueLimits, ...limits });
  const caller: Record<string, AnyUnaryCall> = {};
  for (const method of KeyValueService.methods) {
    if (method.methodKind !== "unary") continue;
    // The one untyped boundary: handlers and methods are keyed by the same local names.
    const handler = handlers[method.localName as keyof typeof handlers] as unknown as AnyUnaryHandler;
    caller[method.localName] = async (request, options) => {
      const signal = options?.signal ?? new AbortController().signal;
      try {
        const response = await handler(create(method.input, request), { signal });
        return create(method.output, response);
      } catch (error) {
        // A Connect client only ever throws ConnectError; do the same for backend errors.
        throw ConnectError.from(error);
      }
    };
  }
  return caller as unknown as KeyValueCaller;
}
