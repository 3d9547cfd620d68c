// deviceLogin: the OAuth 2.0 device authorization grant (RFC 8628) for a person at a terminal, on openid-client:
// discovery, a device code, the verification URL and user code shown to the user, polling until they approve, and
// the token set stored in the token file (default ~/.prism/token.json, mode 0600) for fileTokenProvider.
import { Code } from "@connectrpc/connect";
import * as oidc from "openid-client";
import { InvalidArgumentError, UnauthenticatedError, UnavailableError } from "../errors/error-classes.js";
import { PrismError } from "../errors/prism-error.js";
import { discoverIssuer } from "./discover-issuer.js";
import { reasonOf } from "./reason-of.js";
import { defaultTokenPath, loginAgainHint, writeTokenFile } from "./token-file.js";
import { toTokenSet } from "./to-token-set.js";

/** Scope asked for when none is given: an ID token and a refresh token. */
export const defaultLoginScope = "openid offline_access";

/** What the user must do to approve the login, handed to `onPrompt`. */
export type DevicePrompt = {
  /** The page where the user enters the code. */
  verificationUri: string;
  /** The same page with the code filled in, when the issuer offers one (suits a QR code or a clickable link). */
  verificationUriComplete?: string;
  /** The code the user enters (short-lived and single-use; not a secret worth hiding from the user). */
  userCode: string;
  /** Seconds until the code expires. */
  expiresInSeconds: number;
};

/** Options of deviceLogin. */
export type DeviceLoginOptions = {
  /** The OpenID issuer URL; https, or http for localhost / 127.0.0.1 only. */
  issuer: string;
  /** The public OAuth client registered for the device flow. */
  clientId: string;
  /** Space-separated scope (default "openid offline_access"; add what the proxy's rules look at, e.g. "prism.read"). */
  scope?: string;
  /** The audience of the proxy, sent as the RFC 8707 `resource` parameter. */
  audience?: string;
  /** Where to store the token set (default ~/.prism/token.json). */
  store?: string;
  /** Shows the verification URL and user code to the user (default: a message on stderr). */
  onPrompt?: (prompt: DevicePrompt) => void | Promise<void>;
  /** Cancels the login (it also ends when the device code expires). */
  signal?: AbortSignal;
  /** Seconds between polls when the issuer names no interval (default 5, per RFC 8628); the issuer's interval wins. */
  pollIntervalSeconds?: number;
};

/** A completed login: where the tokens are and what they allow (never the tokens themselves). */
export type DeviceLoginResult = {
  /** The token file written. */
  path: string;
  /** The issuer. */
  issuer: string;
  /** The client id. */
  clientId: string;
  /** The scope granted. */
  scope?: string;
  /** The audience requested. */
  audience?: string;
  /** When the access token expires, when the issuer said. */
  expiresAt?: Date;
  /** Whether a refresh token was issued (without one, fileTokenProvider needs a new login once the token expires). */
  refreshable: boolean;
};

/** Logs the user in with the device flow and stores the token set; resolves once the user approved. */
export async function deviceLogin(options: DeviceLoginOptions): Promise<DeviceLoginResult> {
  const { issuer, clientId, audience } = options;
  const scope = options.scope ?? defaultLoginScope;
  const path = options.store ?? defaultTokenPath();
  const pollIntervalSeconds = options.pollIntervalSeconds ?? 5;
  if (!Number.isFinite(pollIntervalSeconds) || pollIntervalSeconds < 0) {
    throw new InvalidArgumentError(`pollIntervalSeconds must be a finite number >= 0, got ${pollIntervalSeconds}`);
  }
  const cancelled = (cause?: unknown) => new PrismError(Code.Canceled, "the device login was cancelled", { cause });
  if (options.signal?.aborted) throw cancelled(options.signal.reason);
  const resource: Record<string, string> = audience === undefined ? {} : { resource: audience };

  const configuration = await discoverIssuer(issuer, clientId);
  let authorization: oidc.DeviceAuthorizationResponse;
  try {
    authorization = await oidc.initiateDeviceAuthorization(configuration, { scope, ...resource });
  } catch (error) {
    throw failure("the issuer did not start a device login", error);
  }
  const prompt: DevicePrompt = {
    verificationUri: authorization.verification_uri,
    userCode: authorization.user_code,
    expiresInSeconds: authorization.expires_in,
  };
  if (authorization.verification_uri_complete !== undefined) prompt.verificationUriComplete = authorization.verification_uri_complete;
  await (options.onPrompt ?? printPrompt)(prompt);

  const expiry = AbortSignal.timeout(authorization.expires_in * 1000);
  const signal = options.signal === undefined ? expiry : AbortSignal.any([options.signal, expiry]);
  let response: Awaited<ReturnType<typeof oidc.pollDeviceAuthorizationGrant>>;
  try {
    const polled = { ...authorization, interval: authorization.interval ?? pollIntervalSeconds };
    response = await oidc.pollDeviceAuthorizationGrant(configuration, polled, resource, { signal });
  } catch (error) {
    if (options.signal?.aborted) throw cancelled(error);
    if (expiry.aborted) throw new UnauthenticatedError(`the device code expired before the login was approved; ${loginAgainHint}`);
    throw failure("the device login failed", error);
  }
  const tokens = toTokenSet(response, { issuer, clientId, scope, ...(audience === undefined ? {} : { audience }) });
  await writeTokenFile(path, tokens);
  const result: DeviceLoginResult = { path, issuer, clientId, refreshable: tokens.refreshToken !== undefined };
  if (tokens.scope !== undefined) result.scope = tokens.scope;
  if (audience !== undefined) result.audience = audience;
  if (tokens.expiresAt !== undefined) result.expiresAt = new Date(tokens.expiresAt);
  return result;
}

/** The default prompt: tells the user on stderr where to go and which code to enter. */
function printPrompt(prompt: DevicePrompt): void {
  const also = prompt.verificationUriComplete === undefined ? "" : `\n(or open ${prompt.verificationUriComplete})`;
  process.stderr.write(`To log in, open ${prompt.verificationUri} and enter the code ${prompt.userCode}${also}\n`);
}

/** An error the issuer answered (access_denied, invalid_scope, ...) is UNAUTHENTICATED; anything else UNAVAILABLE. */
function failure(what: string, error: unknown): PrismError {
  if (error instanceof oidc.ResponseBodyError) return new UnauthenticatedError(`${what} (${reasonOf(error)})`, { cause: error });
  return new UnavailableError(`${what} (${reasonOf(error)})`, { cause: error });
}
