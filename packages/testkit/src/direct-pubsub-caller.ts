// directPubSubCaller: a PubSubBackend behind the SDK's validating PubSubService handlers, in Connect
// client shape (Subscribe as an async iterable that the call's signal ends), so the acceptance suite
// runs against a backend without any network.
import { create } from "@bufbuild/protobuf";
import {
  AckRequestSchema,
  AckResponseSchema,
  PublishRequestSchema,
  PublishResponseSchema,
  SubscribeRequestSchema,
  SubscribeResponseSchema,
} from "@prism/proto/pubsub/v1";
import type { PubSubBackend } from "@prism/pattern-sdk";
import { createPubSubHandlers, type PubSubLimits, parseConfig, pubSubLimitsSchema } from "@prism/pattern-sdk/host";
import { asConnectError, directServerStream } from "./direct-server-stream.js";
import type { PubSubCaller } from "./pubsub-acceptance-options.js";

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
      [Symbol.asyncIterator]: () =>
        directServerStream(handlers.subscribe, SubscribeRequestSchema, SubscribeResponseSchema, request, options),
    }),
  };
}
