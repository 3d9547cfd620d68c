// Parses the gRPC `grpc-timeout` request header (for example "250m", "5S") into milliseconds.

const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };

/**
 * Milliseconds of a grpc-timeout header, or undefined when absent or malformed.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) return undefined;
  const ms = Number(match[1]) * (unitMs[match[2] as string] as number);
  return Math.max(1, Math.ceil(ms));
}

/**
 * Formats milliseconds as a grpc-timeout header value.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function formatGrpcTimeout(ms: number): string {
  return `${Math.max(1, Math.ceil(ms))}m`;
}
