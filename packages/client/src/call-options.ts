// CallOptions: per-call deadline, cancellation and headers, and how they map onto Connect's call options.
import type { CallOptions as ConnectCallOptions } from "@connectrpc/connect";

/** Per-call options every client method accepts. */
export type CallOptions = {
  /** Deadline for this call in milliseconds; overrides the client default; 0 = no deadline. */
  timeoutMs?: number;
  /** Cancels the call when aborted (the call then fails with CANCELLED). */
  signal?: AbortSignal;
  /** Extra request headers for this call, added to the client's headers. */
  headers?: Record<string, string>;
};

/** Client-wide settings applied to every call. */
export type CallDefaults = {
  /** Namespace sent as the `prism-namespace` header. */
  namespace: string;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
  /** Default deadline in milliseconds; 0 or undefined = no deadline. */
  timeoutMs?: number;
};

/** Request header that selects the namespace on the proxy. */
export const namespaceHeader = "prism-namespace";

// setTimeout fires at once for delays above this, so longer deadlines are clamped to it.
const maxTimeoutMs = 2_147_483_647;

/** Combines client defaults and per-call options into Connect call options; the namespace header always wins. */
export function toConnectCallOptions(defaults: CallDefaults, options: CallOptions | undefined): ConnectCallOptions {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(defaults.headers ?? {})) headers[name.toLowerCase()] = value;
  for (const [name, value] of Object.entries(options?.headers ?? {})) headers[name.toLowerCase()] = value;
  headers[namespaceHeader] = defaults.namespace;
  const result: ConnectCallOptions = { headers };
  const timeoutMs = options?.timeoutMs ?? defaults.timeoutMs;
  if (timeoutMs !== undefined && timeoutMs > 0) result.timeoutMs = Math.min(timeoutMs, maxTimeoutMs);
  if (options?.signal !== undefined) result.signal = options.signal;
  return result;
}
