// directRegistryCaller: a RegistryBackend behind the SDK's validating RegistryService handlers, in
// Connect client shape (Listen as an async iterable that the call's signal ends), so the acceptance
// suite runs against a backend without any network.
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { type CallOptions, ConnectError } from "@connectrpc/connect";
import { ListenRequestSchema, ListenResponseSchema, RegistryService } from "@prism/proto/registry/v1";
import type { RegistryBackend } from "@prism/pattern-sdk";
import {
  createRegistryHandlers,
  parseConfig,
  pubSubLimitsSchema,
  type RegistryHandlerLimits,
  registryLimitsSchema,
} from "@prism/pattern-sdk/host";
import type { CallContext } from "@prism/wire";
import { directServerStream } from "./direct-server-stream.js";
import type { RegistryCaller } from "./registry-acceptance-options.js";

/** A handler of any one unary method, as seen from the generic loop below. */
type AnyUnaryHandler = (request: MessageShape<DescMessage>, context: CallContext) => Promise<MessageInitShape<DescMessage>>;

/** A client method of any one unary method, as built by the generic loop below. */
type AnyUnaryCall = (request: MessageInitShape<DescMessage>, options?: CallOptions) => Promise<MessageShape<DescMessage>>;

/** The documented default limits of the registry handlers (registry limits and PubSub's payload bounds). */
export function defaultRegistryHandlerLimits(): RegistryHandlerLimits {
  return { ...parseConfig(registryLimitsSchema, {}), ...parseConfig(pubSubLimitsSchema, {}) };
}

/**
 * Calls `backend` through `createRegistryHandlers` (documented default limits, overridden by `limits`) with the
 * shape of a Connect client.
 */
export function directRegistryCaller(backend: RegistryBackend, limits?: Partial<RegistryHandlerLimits>): RegistryCaller {
  const handlers = createRegistryHandlers(backend, { ...defaultRegistryHandlerLimits(), ...limits });
  const caller: Record<string, unknown> = {};
  for (const method of RegistryService.methods) {
    if (method.methodKind !== "unary") continue;
    // The one untyped boundary: handlers and methods are keyed by the same local names.
    const handler = handlers[method.localName as keyof typeof handlers] as unknown as AnyUnaryHandler;
    const call: AnyUnaryCall = async (request, options) => {
      const signal = options?.signal ?? new AbortController().signal;
      try {
        const response = await handler(create(method.input, request), { signal });
        return create(method.output, response);
      } catch (error) {
        // A Connect client only ever throws ConnectError; do the same for backend errors.
        throw ConnectError.from(error);
      }
    };
    caller[method.localName] = call;
  }
  caller.listen = (request: MessageInitShape<typeof ListenRequestSchema>, options?: CallOptions) => ({
    [Symbol.asyncIterator]: () => directServerStream(handlers.listen, ListenRequestSchema, ListenResponseSchema, request, options),
  });
  return caller as unknown as RegistryCaller;
}
