// The APIs a namespace can bind, and the proto service each one maps to.
import type { DescMessage } from "@bufbuild/protobuf";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { PubSubService } from "@prism/proto/pubsub/v1";
import { RegistryService } from "@prism/proto/registry/v1";

/** API keys allowed under a namespace in prism.yaml. */
export const apiNames = ["keyvalue", "pubsub", "registry"] as const;

/** One of apiNames. */
export type ApiName = (typeof apiNames)[number];

/** Proto service descriptor of each API. */
export const apiServices = {
  keyvalue: KeyValueService,
  pubsub: PubSubService,
  registry: RegistryService,
} as const;

/** API name by full proto service name, for routing a request path. */
export const apiByServiceName: ReadonlyMap<string, ApiName> = new Map(apiNames.map((api) => [apiServices[api].typeName, api]));

/** Request and response schemas of one data-plane method. */
export interface MethodSchemas {
  /** Request message schema. */
  readonly input: DescMessage;
  /** Response message schema. */
  readonly output: DescMessage;
  /** Whether the caller streams request messages (bidi): bounded per message, not per call. */
  readonly requestStreaming: boolean;
  /** Whether the method is unary (one request, one response). */
  readonly unary: boolean;
}

/** Schemas of every data-plane method, by HTTP/2 path (`/prism.keyvalue.v1.KeyValueService/Get`). */
export const dataPlaneMethods: ReadonlyMap<string, MethodSchemas> = new Map(
  Object.values(apiServices).flatMap((service) =>
    service.methods.map(
      (method) =>
        [
          `/${service.typeName}/${method.name}`,
          {
            input: method.input,
            output: method.output,
            requestStreaming: method.methodKind === "bidi_streaming",
            unary: method.methodKind === "unary",
          },
        ] as const,
    ),
  ),
);
