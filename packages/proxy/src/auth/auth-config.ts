// The `auth:` block of prism.yaml: how the proxy authenticates callers (a JWT from an OpenID
// issuer, verified against its JWKS) and which principals administer the proxy. Without the
// block the proxy is open, which it allows only on a loopback address unless `mode: none` says so.
import { type ConfigOf, field } from "@prism/pattern-sdk";

/** Schema of `auth.claims`: where the identity is in a token. */
export const authClaimsSchema = {
  subject: field.string("claim naming the caller", { default: "sub" }),
  groups: field.string("claim listing the caller's groups or roles (a list of strings, or one string)", { default: "groups" }),
  scopes: field.string("claim with the token's scopes (space-separated string or a list)", { default: "scope" }),
} as const;

/** Schema of `auth`. */
export const authSchema = {
  mode: field.string<"" | "jwt" | "none">(
    'how callers are authenticated: "jwt" (Authorization: Bearer <JWT>; the default when `issuer` is set) or "none" (open, allowed ' +
      "on a non-loopback listen address only when said explicitly); absent = open on loopback only",
    { values: ["", "jwt", "none"], default: "" },
  ),
  issuer: field.string("the token issuer (`iss`), e.g. https://id.example.com; its OpenID discovery document gives the JWKS", {
    default: "",
  }),
  audience: field.stringList("accepted audiences (`aud`); a token must name one of them", { default: [] }),
  jwksUri: field.string("where the issuer's signing keys are (default: jwks_uri from the issuer's discovery document)", {
    default: "",
  }),
  jwksFile: field.string("a local JWKS file instead of fetching keys (relative to this file)", { default: "" }),
  algorithms: field.stringList("signature algorithms accepted (never none or HS*: a public key is not a shared secret)", {
    default: ["RS256", "PS256", "ES256", "ES384", "EdDSA"],
  }),
  clockToleranceSec: field.integer("clock skew tolerated on exp and nbf, in seconds", { default: 30, min: 0, max: 300 }),
  jwksRefetchCooldownMs: field.integer(
    "least time between two JWKS fetches caused by tokens with an unknown key id (key rotation works; a flood of bad kids does not hammer the issuer)",
    { default: 30_000, min: 0 },
  ),
  tokenCacheSize: field.integer("verified tokens remembered (per-call cost is a map lookup for a known token)", {
    default: 10_000,
    min: 1,
  }),
  claims: field.object("claim names of the caller's identity: `subject` (sub), `groups` (groups), `scopes` (scope)", authClaimsSchema),
  admin: field.stringList(
    'principals that administer the proxy (the admin API and every namespace): "sub:<subject>", "group:<group>", "scope:<scope>", or "any"',
    { default: [] },
  ),
} as const;

/** The validated `auth` block. */
export type AuthConfig = ConfigOf<typeof authSchema>;
