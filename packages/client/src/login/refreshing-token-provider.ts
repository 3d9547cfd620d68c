// refreshingTokenProvider: the logic of fileTokenProvider with the refresh grant and the clock passed in: caches the
// stored token set, refreshes it ahead of expiry and when the proxy refused it, one refresh at a time, and writes the
// new set back to the file.
import type { TokenProvider, TokenRequest } from "../auth/token-provider.js";
import { UnauthenticatedError } from "../errors/error-classes.js";
import { reasonOf } from "./reason-of.js";
import { loginAgainHint, readTokenFile, type TokenSet, writeTokenFile } from "./token-file.js";

/** What refreshingTokenProvider works with. */
export type RefreshingTokenProviderOptions = {
  /** The token file. */
  path: string;
  /** Refresh when the access token expires within this many milliseconds. */
  refreshAheadMs: number;
  /** Runs the refresh-token grant for `tokens` (which has a refresh token) and returns the new set. */
  refresh: (tokens: TokenSet) => Promise<TokenSet>;
  /** The clock, in milliseconds since the epoch (default Date.now). */
  now?: () => number;
};

/** A token set with its expiry parsed once. */
type Entry = {
  readonly tokens: TokenSet;
  /** Expiry in epoch milliseconds; undefined when unknown (never refreshed ahead, only when refused). */
  readonly expiresAtMs: number | undefined;
};

/** Work in flight: loading the file or refreshing; callers join it rather than starting another. */
type Task = { readonly kind: "load" | "refresh"; readonly result: Promise<Entry> };

/** Creates a token provider over the token file at `options.path`, refreshing through `options.refresh`. */
export function refreshingTokenProvider(options: RefreshingTokenProviderOptions): TokenProvider {
  const { path, refreshAheadMs, refresh } = options;
  const now = options.now ?? Date.now;
  let current: Entry | undefined;
  let task: Task | undefined;

  const due = (entry: Entry) => entry.expiresAtMs !== undefined && now() >= entry.expiresAtMs - refreshAheadMs;
  const expired = (entry: Entry) => entry.expiresAtMs !== undefined && now() >= entry.expiresAtMs;

  /** Runs `work` as the one task in flight; its result becomes the current entry. */
  const start = (kind: Task["kind"], work: () => Promise<Entry>): Promise<Entry> => {
    const result = work().then((entry) => {
      current = entry;
      return entry;
    });
    const settled = () => {
      if (task?.result === result) task = undefined;
    };
    result.then(settled, settled);
    task = { kind, result };
    return result;
  };

  /** Reads the file; undefined when there is none. */
  const read = async (): Promise<Entry | undefined> => {
    const tokens = await readTokenFile(path);
    return tokens === undefined ? undefined : entryOf(tokens);
  };

  const load = async (): Promise<Entry> => {
    const entry = await read();
    if (entry === undefined) throw new UnauthenticatedError(`not logged in: there is no token file at ${path}; ${loginAgainHint}`);
    return entry;
  };

  /** Refreshes `stale` (the set the caller has); `refused` when the proxy refused its access token. */
  const renew = async (stale: Entry, refused: boolean): Promise<Entry> => {
    // Another process (or a new login) may have written a newer set already: take it instead of refreshing.
    const stored = await read();
    if (stored === undefined) throw new UnauthenticatedError(`not logged in: the token file ${path} is gone; ${loginAgainHint}`);
    const fresh = stored.tokens.accessToken !== stale.tokens.accessToken && !(refused ? expired(stored) : due(stored));
    if (fresh) return stored;
    const { refreshToken } = stored.tokens;
    if (refreshToken === undefined || refreshToken === "") {
      const why = refused ? "was refused" : "is expiring";
      throw new UnauthenticatedError(`the stored access token ${why} and there is no refresh token; ${loginAgainHint}`);
    }
    let renewed: TokenSet;
    try {
      renewed = await refresh(stored.tokens);
    } catch (error) {
      // A refresh in another process may have used (and rotated) the same refresh token: take its result if written.
      const after = await read().catch(() => undefined);
      if (after !== undefined && after.tokens.accessToken !== stored.tokens.accessToken && !expired(after)) return after;
      throw new UnauthenticatedError(`refreshing the login failed (${reasonOf(error)}); ${loginAgainHint}`, { cause: error });
    }
    const entry = entryOf(renewed);
    current = entry; // usable even if saving fails below
    await writeTokenFile(path, renewed);
    return entry;
  };

  /** Joins the refresh in flight, or starts one. */
  const refreshed = (stale: Entry, refused: boolean): Promise<Entry> =>
    task?.kind === "refresh" ? task.result : start("refresh", () => renew(stale, refused));

  return async (request?: TokenRequest): Promise<string> => {
    if (task?.kind === "refresh") return (await task.result).tokens.accessToken;
    let entry = current;
    if (entry === undefined || task?.kind === "load") entry = await (task?.result ?? start("load", load));
    if (request?.refresh === true) return (await refreshed(entry, true)).tokens.accessToken;
    if (!due(entry)) return entry.tokens.accessToken;
    try {
      return (await refreshed(entry, false)).tokens.accessToken;
    } catch (error) {
      // Refreshing ahead failed but the token still works: use it, and try again on the next call.
      const usable = current ?? entry;
      if (!expired(usable)) return usable.tokens.accessToken;
      throw error;
    }
  };
}

/** Parses the expiry of `tokens` once. */
function entryOf(tokens: TokenSet): Entry {
  const expiresAtMs = tokens.expiresAt === undefined ? undefined : Date.parse(tokens.expiresAt);
  return { tokens, expiresAtMs: expiresAtMs === undefined || Number.isNaN(expiresAtMs) ? undefined : expiresAtMs };
}
