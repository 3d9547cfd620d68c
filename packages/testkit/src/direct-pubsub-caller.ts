// directPubSubCaller: a PubSubBackend behind the SDK's validating PubSubService handlers, in Connect
// client shape (Subscribe as an async iterable that the call's signal ends), so the acceptance suite
// runs against a backend without any network.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type CallOptions, Code, ConnectError } from "@connectrpc/connect";
import {
  AckRequestSchema,
  AckResponseSchema,
  PublishRequestSchema,
  PublishResponseSchema,
  type PubSubService,
  type SubscribeResponse,
  SubscribeRequestSchema,
  SubscribeResponseSchema,
} from "@prism/proto/pubsub/v1";
import type { PubSubBackend } from "@prism/pattern-sdk";
import { createPubSubHandlers, type PubSubLimits, parseConfig, pubSubLimitsSchema } from "@prism/pattern-sdk/host";
import type { ServiceHandlers } from "@prism/wire";
import type { PubSubCaller } from "./pubsub-acceptance-options.js";

/** The Subscribe handler, as built by createPubSubHandlers. */
type SubscribeHandler = ServiceHandlers<typeof PubSubService>["subscribe"];

/**
 * Calls `backend` through `createPubSubHandlers` (documented default limits, overridden by `limits`) with the shape of
 * a Connect client.
 */
export function directPubSubCaller(backend: PubSubBackend, limits?: Partial<PubSubLimits>): PubSubCaller {
  const handlers = createPubSubHandlers(backend, { ...parseConfig(pubSubLimitsSchema, {}), ...limits });
  const never = new AbortController().signal;
  return {
    publish: async (request, options) => {
      const response = await asConnectError(() =>
        handlers.publish(create(PublishRequestSchema, request), { signal: options?.signal ?? never }),
      );
      return create(PublishResponseSchema, response);
    },
    ack: async (request, options) => {
      const response = await asConnectError(() => handlers.ack(create(AckRequestSchema, request), { signal: options?.signal ?? never }));
      return create(AckResponseSchema, response);
    },
    subscribe: (request, options) => ({
      [Symbol.asyncIterator]: () => subscription(handlers.subscribe, request, options),
    }),
  };
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
 * One Subscribe call: runs the handler with a signal that aborts when the caller's signal does or when
 * the consumer stops iterating. Like a Connect client, an aborted call ends at once with CANCELED, even
 * if the backend were slow to end its subscription.
 */
async function* subscription(
  handler: SubscribeHandler,
  request: MessageInitShape<typeof SubscribeRequestSchema>,
  options: CallOptions | undefined,
): AsyncGenerator<SubscribeResponse> {
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
  const responses = handler(create(SubscribeRequestSchema, request), { signal: controller.signal })[Symbol.asyncIterator]();
  try {
    for (;;) {
      const result = await asConnectError(() => Promise.race([responses.next(), aborted]));
      if (controller.signal.aborted) throw canceled();
      if (result.done) return;
      yield create(SubscribeResponseSchema, result.value);
    }
  } finally {
    callerSignal?.removeEventListener("abort", forward);
    controller.abort();
    // Not awaited: it completes once the handler's pending step has (the abort above ends it).
    void responses.return?.(undefined)?.catch(() => undefined);
  }
}
