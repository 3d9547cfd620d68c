// The attributes of the proxy's span for a call (OpenTelemetry's RPC conventions plus the namespace).
import type { Attributes } from "@opentelemetry/api";

/** rpc.system, rpc.service, rpc.method and prism.namespace of a call to `path` (`/package.Service/Method`). */
export function callSpanAttributes(path: string, namespace: string): Attributes {
  const slash = path.lastIndexOf("/");
  return {
    "rpc.system": "grpc",
    "rpc.service": path.slice(1, slash),
    "rpc.method": path.slice(slash + 1),
    "prism.namespace": namespace,
  };
}
