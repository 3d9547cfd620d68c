// TokenProvider: where the client gets the bearer token it sends as `authorization: Bearer <token>` on every call.

/** What the client tells a token provider when it asks for a token. */
export type TokenRequest = {
  /** True when the proxy refused the last token (UNAUTHENTICATED): drop any cached token and get a new one. */
  refresh?: boolean;
};

/**
 * Supplies the access token for one call. The client calls it once per call (and once more, with
 * `{ refresh: true }`, when the proxy answered UNAUTHENTICATED), so it should cache the token.
 */
export type TokenProvider = (request?: TokenRequest) => Promise<string>;

/** A bearer token: a fixed string, or a provider called once per call. */
export type PrismToken = string | TokenProvider;
