// Tests for the file token provider's logic with an injected refresh grant and clock: caching, refresh ahead of
// expiry, refresh when refused, one refresh for many callers, what other processes wrote, and clear failures.
import { mkdtemp, readFile, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TokenProvider } from "../auth/token-provider.js";
import { UnauthenticatedError } from "../errors/error-classes.js";
import { refreshingTokenProvider } from "./refreshing-token-provider.js";
import { readTokenFile, type TokenSet, writeTokenFile } from "./token-file.js";

const t0 = Date.parse("2030-01-01T00:00:00.000Z");
const minute = 60_000;

/** A token set issued at `issuedAt` for ten minutes. */
function issued(generation: number, issuedAt: number): TokenSet {
  return {
    issuer: "https://idp.example.com",
    clientId: "prism-cli",
    accessToken: `access-${generation}`,
    refreshToken: `refresh-${generation}`,
    expiresAt: new Date(issuedAt + 10 * minute).toISOString(),
    scope: "prism.read",
    audience: "prism",
  };
}

/** A refresh we resolve by hand, to hold it in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe("refreshingTokenProvider", () => {
  let dir: string;
  let path: string;
  let now: number;
  let refreshes: TokenSet[];
  let refresh: (tokens: TokenSet) => Promise<TokenSet>;
  const provider = (): TokenProvider =>
    refreshingTokenProvider({ path, refreshAheadMs: minute, refresh: (t) => refresh(t), now: () => now });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "prism-provider-"));
    path = join(dir, "token.json");
    now = t0;
    refreshes = [];
    // The fake grant: the next generation, issued now.
    refresh = async (tokens) => {
      refreshes.push(tokens);
      return issued(Number(tokens.accessToken.split("-")[1]) + 1, now);
    };
    await writeTokenFile(path, issued(1, t0));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads the file once and serves the cached token", async () => {
    const get = provider();
    expect(await get()).toBe("access-1");
    await writeTokenFile(path, { ...issued(1, t0), accessToken: "changed-on-disk" });
    expect(await get()).toBe("access-1");
    expect(await get({ refresh: false })).toBe("access-1");
    expect(refreshes).toEqual([]);
  });

  it("refreshes ahead of expiry, saves the new set with mode 0600 and serves it from then on", async () => {
    const get = provider();
    now = t0 + 9 * minute - 1; // expiry in 60.001 s: not yet
    expect(await get()).toBe("access-1");
    now = t0 + 9 * minute; // expiry in 60 s: refresh
    expect(await get()).toBe("access-2");
    expect(refreshes.map((t) => t.refreshToken)).toEqual(["refresh-1"]);
    expect(await readTokenFile(path)).toEqual(issued(2, now));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await get()).toBe("access-2");
    expect(refreshes).toHaveLength(1);
  });

  it("refreshes when asked to (the proxy refused the token), even long before expiry", async () => {
    const get = provider();
    expect(await get()).toBe("access-1");
    expect(await get({ refresh: true })).toBe("access-2");
    expect(await get()).toBe("access-2");
    expect(await readTokenFile(path)).toMatchObject({ accessToken: "access-2", refreshToken: "refresh-2" });
  });

  it("runs one refresh for many concurrent callers, ahead of expiry or refused", async () => {
    const get = provider();
    await get();
    const pending = deferred<TokenSet>();
    refresh = (tokens) => {
      refreshes.push(tokens);
      return pending.promise;
    };
    now = t0 + 9 * minute + 1;
    const callers = [get(), get(), get({ refresh: true }), get(), get({ refresh: true })];
    pending.resolve(issued(2, now));
    expect(await Promise.all(callers)).toEqual(["access-2", "access-2", "access-2", "access-2", "access-2"]);
    expect(refreshes).toHaveLength(1);
  });

  it("keeps serving a still-valid token when refreshing ahead fails, and tries again on the next call", async () => {
    const get = provider();
    await get();
    refresh = async () => {
      throw Object.assign(new Error("server error"), { error: "temporarily_unavailable" });
    };
    now = t0 + 9 * minute + 30_000;
    expect(await get()).toBe("access-1");
    refresh = async (tokens) => {
      refreshes.push(tokens);
      return issued(2, now);
    };
    expect(await get()).toBe("access-2");
  });

  it("fails with UnauthenticatedError saying to log in again when the refresh fails and the token is expired", async () => {
    const get = provider();
    await get();
    const cause = Object.assign(new Error("bad grant"), { error: "invalid_grant", error_description: "grant request is invalid" });
    refresh = async () => {
      throw cause;
    };
    now = t0 + 10 * minute;
    const error = await get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toBe(
      "refreshing the login failed (invalid_grant: grant request is invalid); run the device login again (deviceLogin from @prism/client/login) (UNAUTHENTICATED)",
    );
    expect((error as Error).cause).toBe(cause);
    await expect(get({ refresh: true })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("fails a refused token that has no refresh token", async () => {
    const { refreshToken: _, ...unrefreshable } = issued(1, t0);
    await writeTokenFile(path, unrefreshable);
    const get = provider();
    expect(await get()).toBe("access-1");
    await expect(get({ refresh: true })).rejects.toThrow(/was refused and there is no refresh token; run the device login again/);
    expect(refreshes).toEqual([]);
  });

  it("never refreshes ahead a token without an expiry, only when refused", async () => {
    const { expiresAt: _, ...timeless } = issued(1, t0);
    await writeTokenFile(path, timeless);
    const get = provider();
    now = t0 + 365 * 24 * 60 * minute;
    expect(await get()).toBe("access-1");
    expect(await get({ refresh: true })).toBe("access-2");
  });

  it("takes a newer set another process wrote instead of refreshing", async () => {
    const get = provider();
    await get();
    await writeTokenFile(path, issued(7, t0 + 5 * minute)); // e.g. another CLI refreshed, or the user logged in again
    now = t0 + 9 * minute + 1;
    expect(await get()).toBe("access-7");
    expect(await get({ refresh: true })).toBe("access-8");
    expect(refreshes.map((t) => t.refreshToken)).toEqual(["refresh-7"]);
  });

  it("takes the set of a concurrent refresh elsewhere when its own refresh token was already used", async () => {
    const get = provider();
    await get();
    refresh = async () => {
      await writeTokenFile(path, issued(5, now)); // the other process won the race and rotated the refresh token
      throw Object.assign(new Error("reused"), { error: "invalid_grant" });
    };
    expect(await get({ refresh: true })).toBe("access-5");
  });

  it("says to log in when there is no token file, or it went away before a refresh", async () => {
    await unlink(path);
    const error = await provider()().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toBe(
      `not logged in: there is no token file at ${path}; run the device login again (deviceLogin from @prism/client/login) (UNAUTHENTICATED)`,
    );
    await writeTokenFile(path, issued(1, t0));
    const get = provider();
    await get();
    await unlink(path);
    await expect(get({ refresh: true })).rejects.toThrow(/the token file .* is gone; run the device login again/);
  });

  it("never puts a token in its errors", async () => {
    const get = provider();
    await get();
    refresh = async () => {
      throw new Error("nope");
    };
    now = t0 + 11 * minute;
    const error = (await get().catch((e: unknown) => e)) as Error;
    expect(error.message).not.toMatch(/access-1|refresh-1/);
    expect(await readFile(path, "utf8")).toContain("refresh-1"); // the failed refresh left the stored login alone
  });
});
