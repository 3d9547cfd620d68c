// Verifying a caller's JWT with jose: signature against the issuer's JWKS (fetched from the
// discovery document or jwksUri, or read from a file), algorithm allow-list, issuer, audience,
// exp/nbf with a clock tolerance. An unknown key id triggers a JWKS refetch at most once per
// cooldown. Every rejection is an UNAUTHENTICATED ConnectError saying why, never echoing the token
// (UNAVAILABLE when the issuer's keys cannot be fetched).
import { Code, ConnectError } from "@connectrpc/connect";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { AuthConfig } from "./auth-config.js";
import { type Identity, identityOf } from "./principal.js";

/** A verified token: who it proves, and until when. */
export interface VerifiedToken {
  /** The caller. */
  readonly identity: Identity;
  /** When the token expires (epoch ms; Infinity without exp). */
  readonly expiresAtMs: number;
}

/** Verifies bearer tokens for one issuer. */
export interface TokenVerifier {
  /** Verifies `token`; rejects with an UNAUTHENTICATED ConnectError saying why. */
  verify(token: string): Promise<VerifiedToken>;
  /** Where the keys come from, for the start log (never a secret). */
  readonly keySource: string;
}

/** Creates the verifier, fetching the issuer's discovery document when no jwksUri or jwksFile is given. */
export async function createTokenVerifier(config: AuthConfig, baseDir: string): Promise<TokenVerifier> {
  const { keys, keySource } = await keySet(config, baseDir);
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    clockTolerance: config.clockToleranceSec,
  };
  return {
    keySource,
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, options));
      } catch (error) {
        throw unauthenticated(error);
      }
      return {
        identity: identityFrom(payload, config),
        expiresAtMs: typeof payload.exp === "number" ? payload.exp * 1000 : Number.POSITIVE_INFINITY,
      };
    },
  };
}

async function keySet(config: AuthConfig, baseDir: string): Promise<{ keys: JWTVerifyGetKey; keySource: string }> {
  if (config.jwksFile !== "") {
    const file = resolve(baseDir, config.jwksFile);
    return { keys: createLocalJWKSet(JSON.parse(readFileSync(file, "utf8"))), keySource: file };
  }
  const uri = config.jwksUri !== "" ? config.jwksUri : await discoverJwksUri(config.issuer);
  const keys = createRemoteJWKSet(new URL(uri), { cooldownDuration: config.jwksRefetchCooldownMs, timeoutDuration: 5000 });
  return { keys, keySource: uri };
}

/** The jwks_uri of the issuer's OpenID discovery document. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new Error(`cannot fetch the issuer's discovery document ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`the issuer's discovery document ${url} answered HTTP ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
  if (typeof document.jwks_uri !== "string") throw new Error(`the issuer's discovery document ${url} names no jwks_uri`);
  if (document.issuer !== issuer) {
    throw new Error(`the discovery document ${url} is for issuer ${JSON.stringify(document.issuer)}, not ${JSON.stringify(issuer)}`);
  }
  return document.jwks_uri;
}

/** The identity a verified payload proves, by the configured claim names. */
function identityFrom(payload: JWTPayload, config: AuthConfig): Identity {
  const subject = payload[config.claims.subject];
  if (typeof subject !== "string" || subject === "") {
    throw new ConnectError(`the token has no ${config.claims.subject} claim naming the caller`, Code.Unauthenticated);
  }
  return identityOf(subject, listClaim(payload[config.claims.groups]), listClaim(payload[config.claims.scopes]));
}

/** A claim that is a list of strings or one space-separated string, as a list (bounded). */
function listClaim(value: unknown): string[] {
  const items = typeof value === "string" ? value.split(" ") : Array.isArray(value) ? value : [];
  return items.filter((item): item is string => typeof item === "string" && item !== "").slice(0, 256);
}

/** The UNAUTHENTICATED error for a rejected token, saying why in words a caller can act on. */
function unauthenticated(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  let why: string;
  if (error instanceof errors.JWTExpired) why = "the token has expired";
  else if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    why =
      claim === "aud"
        ? "the token is not for this audience (aud)"
        : claim === "iss"
          ? "the token is from another issuer (iss)"
          : claim === "nbf"
            ? "the token is not valid yet (nbf)"
            : `the token's ${claim} claim is not acceptable`;
  } else if (error instanceof errors.JOSEAlgNotAllowed) why = "the token is signed with an algorithm this proxy does not accept";
  else if (error instanceof errors.JWSSignatureVerificationFailed) why = "the token's signature does not verify";
  else if (error instanceof errors.JWKSNoMatchingKey) why = "the token is signed with a key the issuer does not publish (unknown kid)";
  else if (error instanceof errors.JOSENotSupported) why = "the token uses a key or algorithm this proxy does not support";
  else if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
    // The issuer's keys could not be fetched: not the caller's fault, and worth a retry.
    return new ConnectError(
      `cannot check the token now: the issuer's keys cannot be fetched (${(error as Error).message})`,
      Code.Unavailable,
    );
  } else why = "the token is malformed";
  return new ConnectError(why, Code.Unauthenticated);
}
