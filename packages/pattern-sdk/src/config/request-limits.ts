// The request size limit every pattern enforces before reading a call whole, and its check
// against the value and payload limits it must leave room for.
import { type ConfigLocation, type ConfigOf, field } from "./config-schema.js";
import { ConfigError } from "./config-error.js";

/** Config schema of the `limits:` block's request field. */
export const requestLimitsSchema = {
  maxRequestBytes: field.integer(
    "largest request message accepted, in bytes; a larger one ends RESOURCE_EXHAUSTED before it is buffered " +
      "(must leave room for the largest value plus its key, and the largest payload; a batch must fit in it too)",
    { default: 4 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024 },
  ),
} as const;

/** Resolved request limits. */
export type RequestLimits = ConfigOf<typeof requestLimitsSchema>;

/** Bytes a request needs beside its value or payload (key, topic, metadata, framing). */
const envelopeBytes = 64 * 1024;

/** Throws a ConfigError on `limits.maxRequestBytes` when the largest legal value or payload would not fit. */
export function checkRequestLimits(
  limits: RequestLimits & { maxKeyBytes: number; maxValueBytes: number; maxPayloadBytes: number },
  location: ConfigLocation,
): void {
  const needed = Math.max(limits.maxKeyBytes + limits.maxValueBytes, limits.maxPayloadBytes) + envelopeBytes;
  if (limits.maxRequestBytes >= needed) return;
  const base = location.path ? `${location.path}.` : "";
  throw new ConfigError({
    file: location.file,
    field: `${base}limits.maxRequestBytes`,
    expected: `an integer >= ${needed}`,
    problem:
      `${limits.maxRequestBytes} leaves no room for the largest value (maxValueBytes ${limits.maxValueBytes} plus ` +
      `maxKeyBytes ${limits.maxKeyBytes}) or payload (maxPayloadBytes ${limits.maxPayloadBytes}) and ${envelopeBytes} bytes around it: ` +
      `set it to at least ${needed}, or lower those limits`,
  });
}
