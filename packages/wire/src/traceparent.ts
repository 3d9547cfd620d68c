// The W3C trace context header as Prism carries it: only a well-formed `traceparent` (version 00,
// lowercase hex, 55 ASCII characters) is passed on between the proxy and its patterns; anything
// else a caller sends is dropped at the edge, so the hop never carries arbitrary header bytes.

/** `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. */
const traceparentPattern = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The header value when it is one well-formed traceparent, else undefined.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function validTraceparent(value: string | string[] | null | undefined): string | undefined {
  return typeof value === "string" && value.length === 55 && traceparentPattern.test(value) ? value : undefined;
}
