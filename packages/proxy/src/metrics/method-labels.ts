// The `api` and `method` labels of every path the proxy serves, from the services' descriptors.
import type { DescService } from "@bufbuild/protobuf";

/** The labels of one method. */
export interface MethodLabels {
  /** The API label: keyvalue, pubsub, registry, admin, … */
  readonly api: string;
  /** The method's proto name: Get, Publish, … */
  readonly method: string;
  /** Whether calls are routed to a namespace (data-plane APIs); the proxy's own services are labelled namespace="". */
  readonly namespaced: boolean;
}

/** Path → labels for `services` (API label → service), added to `labels`; `namespaced` for data-plane APIs. */
export function methodLabels(
  services: Readonly<Record<string, DescService>>,
  namespaced: boolean,
  labels = new Map<string, MethodLabels>(),
): Map<string, MethodLabels> {
  for (const [api, service] of Object.entries(services)) {
    for (const method of service.methods) labels.set(`/${service.typeName}/${method.name}`, { api, method: method.name, namespaced });
  }
  return labels;
}
