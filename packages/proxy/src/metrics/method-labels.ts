// The `api` and `method` labels of every path the proxy serves, from the services' descriptors.
import type { DescService } from "@bufbuild/protobuf";

/** The labels of one method. */
export interface MethodLabels {
  /** The API label: keyvalue, pubsub, registry, admin, … */
  readonly api: string;
  /** The method's proto name: Get, Publish, … */
  readonly method: string;
}

/** Path → labels for `services` (API label → service). */
export function methodLabels(services: Readonly<Record<string, DescService>>): Map<string, MethodLabels> {
  const labels = new Map<string, MethodLabels>();
  for (const [api, service] of Object.entries(services)) {
    for (const method of service.methods) labels.set(`/${service.typeName}/${method.name}`, { api, method: method.name });
  }
  return labels;
}
