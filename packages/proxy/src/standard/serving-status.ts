// What a grpc.health.v1 service name stands for on the proxy and its serving status: "" and the
// services the proxy serves itself follow the proxy; a data-plane service follows its bindings.
import { HealthCheckResponse_ServingStatus as ServingStatus } from "@prism/proto/grpc/health/v1";
import { type ApiName, apiByServiceName } from "../config/api-names.js";
import type { BindingStates } from "./binding-states.js";
import { proxyServices } from "./served-services.js";

/** What a health service name is about: the proxy itself, or one data-plane API. */
export type HealthTarget = "proxy" | ApiName;

const proxyServiceNames: ReadonlySet<string> = new Set(["", ...proxyServices.map((service) => service.typeName)]);

/** The target of a health service name; undefined for a service this proxy does not serve. */
export function targetOf(service: string): HealthTarget | undefined {
  return proxyServiceNames.has(service) ? "proxy" : apiByServiceName.get(service);
}

/**
 * The serving status of `target`, or undefined when unknown (a namespace that does not bind the
 * API). Without `namespace`, a data-plane API serves when it is bound somewhere and every binding
 * serves; with one, that namespace's binding decides. Shutting down, everything is NOT_SERVING.
 */
export function servingStatus(
  target: HealthTarget | undefined,
  namespace: string | undefined,
  states: BindingStates,
  shuttingDown: boolean,
): ServingStatus | undefined {
  if (target === undefined) return undefined;
  if (target === "proxy") return shuttingDown ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
  let bound = false;
  let serving = true;
  if (namespace !== undefined) {
    const state = states.get(namespace)?.get(target);
    if (state === undefined) return undefined;
    bound = true;
    serving = state;
  } else {
    for (const apis of states.values()) {
      const state = apis.get(target);
      if (state === undefined) continue;
      bound = true;
      serving &&= state;
    }
  }
  return bound && serving && !shuttingDown ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
}
