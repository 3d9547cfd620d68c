// gRPC status codes as the names Prometheus labels and dashboards use (OK, NOT_FOUND, …).

/** Code names by numeric code (0–16). */
const names = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** The name of a gRPC code; anything outside 0–16 is UNKNOWN (labels stay bounded). */
export function grpcCodeName(code: number): string {
  return names[code] ?? "UNKNOWN";
}
