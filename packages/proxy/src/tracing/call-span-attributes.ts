// The name and attributes of the proxy's span for a call (OpenTelemetry's RPC conventions plus the
// namespace), and which calls are not traced. A path that is not of the form /package.Service/Method
// (clients choose paths) is named "unknown", so span names stay few and short.

/** `/package.Service/Method`, at most 200 characters. */
const methodPath = /^\/[A-Za-z0-9_.]{1,150}\/[A-Za-z0-9_]{1,48}$/;

/** Paths of health probes and reflection: frequent, and not worth a span each. */
const untracedPrefixes = ["/grpc.health.v1.", "/grpc.reflection."];

/** Whether calls to `path` get a span. */
export function isTracedPath(path: string): boolean {
  return !untracedPrefixes.some((prefix) => path.startsWith(prefix));
}

/** The span name of a call to `path`: `package.Service/Method`, or "unknown". */
export function spanNameOf(path: string): string {
  return methodPath.test(path) ? path.slice(1) : "unknown";
}

/** rpc.system, rpc.service, rpc.method and prism.namespace of a call to `path`. */
export function callSpanAttributes(path: string, namespace: string): Record<string, string> {
  const name = spanNameOf(path);
  const slash = name.lastIndexOf("/");
  return {
    "rpc.system": "grpc",
    "rpc.service": slash < 0 ? "unknown" : name.slice(0, slash),
    "rpc.method": slash < 0 ? "unknown" : name.slice(slash + 1),
    "prism.namespace": namespace.slice(0, 64),
  };
}
