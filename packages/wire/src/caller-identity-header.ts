// How the proxy tells a pattern process who the caller is: the `prism-identity` request header,
// base64url JSON of the verified identity (never the token). Only the proxy sets it; a pattern
// reads it only from its trusted peer (the proxy on its unix socket).
import type { CallerIdentity } from "./service-handlers.js";

/**
 * The request header carrying the caller's identity from the proxy to a pattern process.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const callerIdentityHeader = "prism-identity";

/** Encodings already made, per identity object (identities are cached per token by the proxy). */
const encoded = new WeakMap<CallerIdentity, string>();

/**
 * The header value for `identity`.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function encodeCallerIdentity(identity: CallerIdentity): string {
  let value = encoded.get(identity);
  if (value === undefined) {
    const plain = { sub: identity.subject, groups: identity.groups, scopes: identity.scopes };
    value = Buffer.from(JSON.stringify(plain)).toString("base64url");
    encoded.set(identity, value);
  }
  return value;
}

/**
 * The identity in a header value, or undefined when absent or not one (bounded: 16 KiB).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function decodeCallerIdentity(value: string | string[] | undefined): CallerIdentity | undefined {
  if (typeof value !== "string" || value.length > 16_384) return undefined;
  try {
    const plain = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as { sub?: unknown; groups?: unknown; scopes?: unknown };
    if (typeof plain.sub !== "string") return undefined;
    const strings = (list: unknown) => (Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : []);
    return { subject: plain.sub, groups: strings(plain.groups), scopes: strings(plain.scopes) };
  } catch {
    return undefined;
  }
}
