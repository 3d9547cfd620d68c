// toTokenSet: turns a token endpoint response (device code or refresh grant) into the TokenSet that is stored.
import type { TokenEndpointResponse } from "openid-client";
import { UnauthenticatedError } from "../errors/error-classes.js";
import type { TokenSet } from "./token-file.js";

/** What the stored set keeps besides the response: where it came from, and values the response may leave out. */
export type TokenSetContext = {
  /** The issuer. */
  issuer: string;
  /** The client id. */
  clientId: string;
  /** The scope to record when the response names none (the requested or previously granted one). */
  scope?: string;
  /** The audience requested. */
  audience?: string;
  /** The refresh token to keep when the response brings no new one. */
  refreshToken?: string;
};

/** Builds the stored token set from `response` (received at `now`, epoch ms); only bearer tokens are accepted. */
export function toTokenSet(
  response: TokenEndpointResponse & { expiresIn(): number | undefined },
  context: TokenSetContext,
  now: number = Date.now(),
): TokenSet {
  if (response.token_type !== "bearer") {
    throw new UnauthenticatedError(`the issuer returned a ${JSON.stringify(response.token_type)} token; Prism accepts bearer tokens only`);
  }
  const tokens: TokenSet = { issuer: context.issuer, clientId: context.clientId, accessToken: response.access_token };
  const refreshToken = response.refresh_token ?? context.refreshToken;
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  const expiresIn = response.expiresIn();
  if (expiresIn !== undefined) tokens.expiresAt = new Date(now + expiresIn * 1000).toISOString();
  const scope = response.scope ?? context.scope;
  if (scope !== undefined) tokens.scope = scope;
  if (context.audience !== undefined) tokens.audience = context.audience;
  return tokens;
}
