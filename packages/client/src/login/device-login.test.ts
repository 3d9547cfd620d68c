// End to end against a real OpenID provider (@prism/test-idp, oidc-provider): deviceLogin stores the token set,
// fileTokenProvider serves and refreshes it through the IdP, and a client retries a refused call with the new token.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DeviceLoginOptions,
  type DevicePrompt,
  deviceLogin,
  fileTokenProvider,
  readTokenFile,
  writeTokenFile,
} from "@prism/client/login";
import { startTestIdp, type TestIdp } from "@prism/test-idp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type FakeKeyValueServer, startFakeKeyValueServer } from "../../test/fake-keyvalue-server.js";
import { InvalidArgumentError, UnauthenticatedError, UnavailableError } from "../errors/error-classes.js";
import { PrismError } from "../errors/prism-error.js";
import { createPrismClient } from "../prism-client.js";

/** The claims of a JWT access token (read only to check who and what it is for; the IdP's own tests verify them). */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("deviceLogin and fileTokenProvider against a real OpenID provider", () => {
  let idp: TestIdp;
  let dir: string;
  let path: string;
  let prompts: DevicePrompt[];

  /** Logs in as alice; the prompt handler plays alice approving in her browser. */
  const login = (overrides: Partial<DeviceLoginOptions> = {}) =>
    deviceLogin({
      issuer: idp.issuer,
      clientId: idp.deviceClientId,
      scope: "openid offline_access prism.read",
      audience: idp.resource,
      store: path,
      pollIntervalSeconds: 0.01, // the test IdP names no interval
      onPrompt: async (prompt) => {
        prompts.push(prompt);
        await idp.approveDevice(prompt.verificationUriComplete ?? "", "alice");
      },
      ...overrides,
    });

  beforeAll(async () => {
    idp = await startTestIdp({ users: { alice: ["ops"] } });
  });
  afterAll(() => idp.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "prism-device-login-"));
    path = join(dir, ".prism", "token.json");
    prompts = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("logs in with the device flow and stores the token set with mode 0600 in a 0700 folder", async () => {
    const before = Date.now();
    const result = await login();
    expect(prompts).toHaveLength(1);
    expect(prompts[0]?.verificationUri).toBe(`${idp.issuer}/device`);
    expect(prompts[0]?.verificationUriComplete).toContain(encodeURIComponent(prompts[0]?.userCode ?? "?"));
    expect(prompts[0]?.expiresInSeconds).toBeGreaterThan(0);

    const stored = await readTokenFile(path);
    expect(stored).toMatchObject({ issuer: idp.issuer, clientId: "prism-cli", scope: "prism.read", audience: idp.resource });
    expect(stored?.refreshToken).toBeTypeOf("string");
    expect(claimsOf(stored?.accessToken ?? "")).toMatchObject({ sub: "alice", aud: "prism", groups: ["ops"], scope: "prism.read" });
    const expiresAt = Date.parse(stored?.expiresAt ?? "");
    expect(expiresAt).toBeGreaterThan(before);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, ".prism"))).mode & 0o777).toBe(0o700);

    expect(result).toEqual({
      path,
      issuer: idp.issuer,
      clientId: "prism-cli",
      scope: "prism.read",
      audience: idp.resource,
      expiresAt: new Date(expiresAt),
      refreshable: true,
    });
    expect(JSON.stringify(result)).not.toContain(stored?.accessToken);
    expect(JSON.stringify(result)).not.toContain(stored?.refreshToken);
  });

  it("serves the stored token, and a refreshed one (saved, refresh token rotated) when the proxy refused it", async () => {
    await login();
    const first = await readTokenFile(path);
    const provider = fileTokenProvider({ path });
    expect(await provider()).toBe(first?.accessToken);
    const renewed = await provider({ refresh: true });
    expect(renewed).not.toBe(first?.accessToken);
    expect(claimsOf(renewed)).toMatchObject({ sub: "alice", aud: "prism", scope: "prism.read" });
    const second = await readTokenFile(path);
    expect(second?.accessToken).toBe(renewed);
    expect(second?.refreshToken).toBeTypeOf("string");
    expect(second?.refreshToken).not.toBe(first?.refreshToken);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await provider()).toBe(renewed);
  });

  it("refreshes ahead of expiry", async () => {
    await login();
    const first = await readTokenFile(path);
    // Tokens live 300 s: with 600 s ahead, every token is due at once.
    const renewed = await fileTokenProvider({ path, refreshAheadMs: 600_000 })();
    expect(renewed).not.toBe(first?.accessToken);
    expect((await readTokenFile(path))?.accessToken).toBe(renewed);
  });

  it("gives a client a token per call and a refreshed one when the proxy answers UNAUTHENTICATED", async () => {
    await login();
    const first = await readTokenFile(path);
    const server: FakeKeyValueServer = await startFakeKeyValueServer("h2");
    try {
      server.rejectedAuthorizations.add(`Bearer ${first?.accessToken}`);
      const prism = createPrismClient({ url: server.url, token: fileTokenProvider({ path }) });
      await prism.kv.set("k", "v");
      expect(await prism.kv.getString("k")).toBe("v");
      const second = await readTokenFile(path);
      expect(second?.accessToken).not.toBe(first?.accessToken);
      expect(server.calls.authorizations).toEqual([
        `Bearer ${first?.accessToken}`,
        `Bearer ${second?.accessToken}`,
        `Bearer ${second?.accessToken}`,
      ]);
    } finally {
      await server.close();
    }
  });

  it("says to log in again when the IdP refuses the refresh token", async () => {
    await login();
    const stored = await readTokenFile(path);
    await writeTokenFile(path, { ...(stored ?? { issuer: idp.issuer, clientId: "prism-cli", accessToken: "x" }), refreshToken: "revoked" });
    const error = await fileTokenProvider({ path })({ refresh: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toMatch(/^refreshing the login failed \(invalid_grant.*\); run the device login again/);
    expect((error as Error).message).not.toContain(stored?.accessToken);
  });

  it("says to log in when there is no token file", async () => {
    await expect(fileTokenProvider({ path })()).rejects.toThrow(UnauthenticatedError);
    await expect(fileTokenProvider({ path })()).rejects.toThrow(/not logged in: there is no token file at .*; run the device login again/);
  });

  it("prints the verification URL and code on stderr by default, and never a token", async () => {
    const written: string[] = [];
    let approval: Promise<void> | undefined;
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      const text = String(chunk);
      written.push(text);
      const url = /\(or open (\S+)\)/.exec(text)?.[1];
      if (url !== undefined) approval = idp.approveDevice(url, "alice");
      return true;
    });
    try {
      await login({ onPrompt: undefined });
    } finally {
      stderr.mockRestore();
    }
    await approval;
    const stored = await readTokenFile(path);
    expect(written.join("")).toMatch(
      new RegExp(
        `^To log in, open ${idp.issuer}/device and enter the code [A-Z]{4}-[A-Z]{4}\\n\\(or open ${idp.issuer}/device\\?user_code=`,
      ),
    );
    expect(written.join("")).not.toContain(stored?.accessToken);
  });

  it("is cancelled by its signal while it waits for the user, and stores nothing", async () => {
    const controller = new AbortController();
    const error = await login({ signal: controller.signal, onPrompt: () => controller.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrismError);
    expect((error as PrismError).codeName).toBe("CANCELLED");
    expect(await readTokenFile(path)).toBeUndefined();
  });

  it("refuses an http issuer that is not this machine, and reports an issuer it cannot reach", async () => {
    await expect(login({ issuer: "http://idp.example.com" })).rejects.toThrow(InvalidArgumentError);
    await expect(login({ issuer: "http://idp.example.com" })).rejects.toThrow(
      /must be an https URL \(http only for localhost or 127\.0\.0\.1\)/,
    );
    const closed = await startFakeKeyValueServer("h1");
    await closed.close();
    await expect(login({ issuer: closed.url })).rejects.toThrow(UnavailableError);
  });
});
