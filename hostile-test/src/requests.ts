// The requests the attacks and the good client send: method paths, serialized request messages
// and gRPC request headers.
import { create, toBinary } from "@bufbuild/protobuf";
import { GetRequestSchema, SetRequestSchema } from "@prism/proto/keyvalue/v1";
import { PublishRequestSchema, SubscribeRequestSchema } from "@prism/proto/pubsub/v1";
import { encodeFrame } from "@prism/wire";

/** Method paths used by the attacks. */
export const paths = {
  get: "/prism.keyvalue.v1.KeyValueService/Get",
  set: "/prism.keyvalue.v1.KeyValueService/Set",
  publish: "/prism.pubsub.v1.PubSubService/Publish",
  subscribe: "/prism.pubsub.v1.PubSubService/Subscribe",
} as const;

/** A serialized GetRequest. */
export function getRequest(key: string): Uint8Array {
  return toBinary(GetRequestSchema, create(GetRequestSchema, { key }));
}

/** A serialized SetRequest. */
export function setRequest(key: string, value: string): Uint8Array {
  return toBinary(SetRequestSchema, create(SetRequestSchema, { key, value: new TextEncoder().encode(value) }));
}

/** A serialized SubscribeRequest. */
export function subscribeRequest(topic: string): Uint8Array {
  return toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { topic }));
}

/** A serialized PublishRequest. */
export function publishRequest(topic: string, payload: string): Uint8Array {
  return toBinary(PublishRequestSchema, create(PublishRequestSchema, { topic, payload: new TextEncoder().encode(payload) }));
}

/** One gRPC message frame of `message`. */
export function frameOf(message: Uint8Array): Buffer {
  return encodeFrame(message);
}

/** HTTP/2 request headers of a gRPC call to `path` in `namespace` (absent when undefined), plus `extra`. */
export function grpcHeaders(
  path: string,
  namespace?: string | string[],
  extra: Record<string, string> = {},
): Record<string, string | string[]> {
  return {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
    ...(namespace === undefined ? {} : { "prism-namespace": namespace }),
    ...extra,
  };
}
