// fileTokenProvider: a token provider for Node over the file a device login wrote: caches the access token, refreshes
// it with the refresh token (openid-client) ahead of expiry and when the proxy refused it, and saves the new set.
import * as oidc from "openid-client";
import type { TokenProvider } from "../auth/token-provider.js";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { discoverIssuer } from "./discover-issuer.js";
import { refreshingTokenProvider } from "./refreshing-token-provider.js";
import { defaultTokenPath, type TokenSet } from "./token-file.js";
import { toTokenSet } from "./to-token-set.js";

/** Refresh this long before the access token expires unless told otherwise: 60 s. */
export const defaultRefreshAheadMs = 60_000;

/** Options of fileTokenProvider. */
export type FileTokenProviderOptions = {
  /** The token file (default ~/.prism/token.json, where deviceLogin stores it). */
  path?: string;
  /** Refresh when the access token expires within this many milliseconds (default 60000). */
  refreshAheadMs?: number;
};

/**
 * Returns a token provider for `createPrismClient({ token })` that reads the stored login. It refreshes before expiry
 * and on `{ refresh: true }`, one refresh at a time, writing the new set back atomically (mode 0600); it throws
 * UnauthenticatedError (saying to log in again) when there is no file or the refresh fails.
 */
export function fileTokenProvider(options: FileTokenProviderOptions = {}): TokenProvider {
  const refreshAheadMs = options.refreshAheadMs ?? defaultRefreshAheadMs;
  if (!Number.isFinite(refreshAheadMs) || refreshAheadMs < 0) {
    throw new InvalidArgumentError(`refreshAheadMs must be a finite number >= 0, got ${refreshAheadMs}`);
  }
  const configurations = new Map<string, Promise<oidc.Configuration>>();
  const configurationOf = (issuer: string, clientId: string): Promise<oidc.Configuration> => {
    const key = JSON.stringify([issuer, clientId]);
    let configuration = configurations.get(key);
    if (configuration === undefined) {
      configuration = discoverIssuer(issuer, clientId);
      configurations.set(key, configuration);
      configuration.catch(() => configurations.delete(key)); // discover again next time
    }
    return configuration;
  };
  const refresh = async (tokens: TokenSet): Promise<TokenSet> => {
    const configuration = await configurationOf(tokens.issuer, tokens.clientId);
    const parameters: Record<string, string> = tokens.audience === undefined ? {} : { resource: tokens.audience };
    const response = await oidc.refreshTokenGrant(configuration, tokens.refreshToken ?? "", parameters);
    return toTokenSet(response, tokens);
  };
  return refreshingTokenProvider({ path: options.path ?? defaultTokenPath(), refreshAheadMs, refresh });
}
