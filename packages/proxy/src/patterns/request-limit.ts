// The largest request message a binding accepts: its pattern config's `limits.maxRequestBytes`,
// or the SDK's default. The proxy needs it before (or without) loading the pattern, to bound what
// it buffers or forwards.
import { requestLimitsSchema } from "@prism/pattern-sdk/host";

/** `limits.maxRequestBytes` of a binding's `config:` block, or the default (validated by the pattern itself at start). */
export function requestLimitOf(config: unknown): number {
  const limits = typeof config === "object" && config !== null ? (config as { limits?: unknown }).limits : undefined;
  const value = typeof limits === "object" && limits !== null ? (limits as { maxRequestBytes?: unknown }).maxRequestBytes : undefined;
  return typeof value === "number" && Number.isInteger(value) && value > 0
    ? value
    : (requestLimitsSchema.maxRequestBytes.default as number);
}
