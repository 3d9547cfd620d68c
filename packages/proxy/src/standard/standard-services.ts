// The standard gRPC services the proxy serves itself, beside the admin API: grpc.health.v1.Health
// and server reflection (v1 and v1alpha). Both are open to anyone, token or not: Kubernetes probes
// and tools like grpcurl carry none, and neither reveals data (reflection shows only the public API).
import { Health } from "@prism/proto/grpc/health/v1";
import { ServerReflection as ServerReflectionV1 } from "@prism/proto/grpc/reflection/v1";
import { ServerReflection as ServerReflectionV1alpha } from "@prism/proto/grpc/reflection/v1alpha";
import { addService, type GrpcMethod, type GrpcMethodTable } from "@prism/wire";
import { namespaceHeader, type NamespaceRouter } from "../server/namespace-router.js";
import type { OpenMethod } from "../server/route-grpc-call.js";
import { DescriptorIndex } from "./descriptor-index.js";
import { HealthService, healthNamespace } from "./health-service.js";
import { reflectionV1alphaHandlers, reflectionV1Handlers } from "./reflection-service.js";
import { servedServices } from "./served-services.js";

/** Health and reflection, ready to join the proxy's own services. */
export interface StandardServices {
  /** Their methods by HTTP/2 path (served without a namespace, like the admin API). */
  readonly methods: GrpcMethodTable;
  /** The same paths, each giving the method to serve a call with, without any authentication. */
  readonly open: ReadonlyMap<string, OpenMethod>;
  /** The health service (shutDown() when the proxy starts closing). */
  readonly health: HealthService;
}

/** Builds health and reflection for the proxy routing with `router`. */
export function createStandardServices(router: NamespaceRouter): StandardServices {
  const health = new HealthService(router);
  const index = new DescriptorIndex(servedServices);
  const methods = addService(Health, health.handlers(undefined));
  addService(ServerReflectionV1, reflectionV1Handlers(index), methods);
  addService(ServerReflectionV1alpha, reflectionV1alphaHandlers(index), methods);
  const open = new Map<string, OpenMethod>();
  for (const [path, method] of methods) open.set(path, () => method);
  // A health call naming a namespace asks about that namespace only: its handler is bound to it.
  for (const descriptor of Health.methods) {
    const path = `/${Health.typeName}/${descriptor.name}`;
    const unbound = methods.get(path) as GrpcMethod;
    open.set(path, (headers) => {
      const namespace = healthNamespace(headers[namespaceHeader]);
      if (namespace === undefined) return unbound;
      const handlers = health.handlers(namespace) as Record<string, GrpcMethod["handler"]>;
      return { ...unbound, handler: handlers[descriptor.localName] as GrpcMethod["handler"] };
    });
  }
  return { methods, open, health };
}
