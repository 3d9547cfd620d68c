// directRegistryCaller: a RegistryBackend behind the SDK's validating RegistryService handlers, in
// Connect client shape (Listen as an async iterable that the call's signal ends), so the acceptance
// suite runs against a backend without any network.
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { type CallOptions, Code, ConnectError } from "@connectrpc/connect";
import { type ListenResponse, ListenRequestSchema, ListenResponseSchema, RegistryService } from "@prism/proto/registry/v1";
import type { RegistryBackend } from "@prism/pattern-sdk";
import {
  createRegistryHandlers,
  parseConfig,
  pubSubLimitsSchema,
  type RegistryHandlerLimits,
  registryLimitsSchema,
} from "@prism/pattern-sdk/host";
import type { CallContext, ServiceHandlers } from "@prism/wire";
import type { RegistryCaller } from "./registry-acceptance-options.js";

/** A handler of any one unary method, as seen from the generic loop below. */
type AnyUnaryHandler = (request: MessageShape<DescMessage>, context: CallContext) => Promise<MessageInitShape<DescMessage>>;

/** A client method of any one unary method, as built by the generic loop below. */
type AnyUnaryCall = (request: MessageInitShape<DescMessage>, options?: CallOptions) => Promise<MessageShape<DescMessage>>;

/** The Listen handler, as built by createRegistryHandlers. */
type ListenHandler = ServiceHandlers<typeof RegistryService>["listen"];

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
    [Symbol.asyncIterator]: () => listening(handlers.listen, request, options),
  });
  return caller as unknown as RegistryCaller;
}

/** Runs `call`, turning whatever it throws into a ConnectError, as a Connect client does. */
async function asConnectError<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ConnectError.from(error);
  }
}

/** What a Connect client throws once its call's signal aborted. */
function canceled(): ConnectError {
  return new ConnectError("the operation was aborted", Code.Canceled);
}

/**
 * One Listen call: runs the handler with a signal that aborts when the caller's signal does or when the
 * consumer stops iterating. Like a Connect client, an aborted call ends at once with CANCELED, even if the
 * backend were slow to end its listener; the handler still runs its cleanup (presence) as it unwinds.
 */
async function* listening(
  handler: ListenHandler,
  request: MessageInitShape<typeof ListenRequestSchema>,
  options: CallOptions | undefined,
): AsyncGenerator<ListenResponse> {
  const callerSignal = options?.signal;
  const controller = new AbortController();
  const forward = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) forward();
  else callerSignal?.addEventListener("abort", forward, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(canceled());
    else controller.signal.addEventListener("abort", () => reject(canceled()), { once: true });
  });
  aborted.catch(() => undefined);
  const responses = handler(create(ListenRequestSchema, request), { signal: controller.signal })[Symbol.asyncIterator]();
  try {
    for (;;) {
      const result = await asConnectError(() => Promise.race([responses.next(), aborted]));
      if (controller.signal.aborted) throw canceled();
      if (result.done) return;
      yield create(ListenResponseSchema, result.value);
    }
  } finally {
    callerSignal?.removeEventListener("abort", forward);
    controller.abort();
    // Not awaited: it completes once the handler's pending step has (the abort above ends it).
    void responses.return?.(undefined)?.catch(() => undefined);
  }
}
