// Proves startTestIdp end to end with the libraries a real service and CLI would use: openid-client (discovery,
// device flow, refresh) and jose (remote JWKS verification), including signing key rotation and JWKS fetch counts.
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestIdp, type TestIdp } from "./start-test-idp.js";

const insecure = { execute: [client.allowInsecureRequests] };

/** A verifier as a resource server would build it; `cooldownDuration: 0` lets it refetch on an unknown kid at once. */
function verifier(idp: TestIdp) {
  let fetches = 0;
  const jwks = createRemoteJWKSet(new URL(idp.jwksUri), {
    cooldownDuration: 0,
    [customFetch]: (...args: Parameters<typeof fetch>) => {
      fetches++;
      return fetch(...args);
    },
  });
  return {
    get fetches() {
      return fetches;
    },
    async verify(token: string): Promise<JWTPayload> {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: idp.issuer,
        audience: idp.audience,
        algorithms: ["ES256"],
        typ: "at+jwt",
        requiredClaims: ["sub", "exp", "scope"],
      });
      return payload;
    },
  };
}

/** Runs the device flow as `user` for `scope` with openid-client, approving it through the IdP. */
async function deviceLogin(idp: TestIdp, user: string, scope: string) {
  const cli = await client.discovery(new URL(idp.issuer), idp.deviceClientId, undefined, client.None(), insecure);
  const authorization = await client.initiateDeviceAuthorization(cli, { scope, resource: idp.resource });
  // The IdP announces no interval (so RFC 8628's 5 s would apply): poll fast instead.
  const polling = client.pollDeviceAuthorizationGrant(cli, { ...authorization, interval: 0.01 });
  await idp.approveDevice(authorization.verification_uri_complete ?? "", user);
  return { cli, authorization, tokens: await polling };
}

describe("startTestIdp", () => {
  let idp: TestIdp;
  const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((method) => vi.spyOn(console, method));

  beforeAll(async () => {
    idp = await startTestIdp({
      users: { alice: ["ops"], bob: ["dev", "readers"] },
      machines: { "ops-bot": ["ops"], "ci-bot": ["ci"] },
    });
  });

  afterAll(async () => {
    await idp.close();
    // oidc-provider is chatty by default ("Unsupported runtime", "you SHOULD change ..."): the harness prints nothing.
    for (const spy of consoleSpies) expect(spy.mock.calls).toEqual([]);
  });

  it("serves discovery that openid-client accepts", async () => {
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const config = await client.discovery(new URL(idp.issuer), idp.deviceClientId, undefined, client.None(), insecure);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(idp.issuer);
    expect(metadata.jwks_uri).toBe(idp.jwksUri);
    expect(metadata.device_authorization_endpoint).toBe(`${idp.issuer}/device/auth`);
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(["client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]),
    );
    expect(metadata.id_token_signing_alg_values_supported).toEqual(["ES256"]);
  });

  it("issues client_credentials JWTs that verify with jose", async () => {
    const { verify } = verifier(idp);
    const token = await idp.token();
    expect(decodeProtectedHeader(token)).toEqual({ alg: "ES256", typ: "at+jwt", kid: idp.publishedKids()[0] });
    const payload = await verify(token);
    expect(payload).toMatchObject({
      iss: idp.issuer,
      aud: "prism",
      sub: "ops-bot",
      client_id: "ops-bot",
      groups: ["ops"],
      scope: "prism.read prism.write prism.admin",
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);

    expect(await verify(await idp.token("ci-bot", "prism.read"))).toMatchObject({ sub: "ci-bot", groups: ["ci"], scope: "prism.read" });
    await expect(idp.token("nobody")).rejects.toThrow(/no machine client nobody/);
    // Like many IdPs, oidc-provider drops scopes it does not know rather than failing the request.
    expect(await verify(await idp.token("ci-bot", "prism.write prism.delete"))).toMatchObject({ scope: "prism.write" });
    const wrongAudience = jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { issuer: idp.issuer, audience: "other" });
    await expect(wrongAudience).rejects.toThrow(/aud/);
  });

  it("runs the device flow with openid-client, and refreshes", async () => {
    const { verify } = verifier(idp);
    const { cli, authorization, tokens } = await deviceLogin(idp, "bob", "openid offline_access prism.read");
    // The response's scope is the access token's (the resource scopes); openid adds an ID token.
    expect(tokens.scope).toBe("prism.read");
    expect(tokens.claims()?.sub).toBe("bob");
    expect(await verify(tokens.access_token)).toMatchObject({
      sub: "bob",
      client_id: "prism-cli",
      aud: "prism",
      groups: ["dev", "readers"],
      scope: "prism.read",
    });

    await expect(idp.approveDevice(authorization.verification_uri_complete ?? "", "bob")).rejects.toThrow(/AlreadyUsedError/);

    expect(tokens.refresh_token).toBeTypeOf("string");
    const refreshed = await client.refreshTokenGrant(cli, tokens.refresh_token ?? "");
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token); // public client: refresh tokens rotate
    expect(await verify(refreshed.access_token)).toMatchObject({ sub: "bob", groups: ["dev", "readers"], scope: "prism.read" });
  });

  it("refuses device approval by an unknown user", async () => {
    await expect(idp.approveDevice(`${idp.issuer}/device?user_code=ABCD-EFGH`, "mallory")).rejects.toThrow(/no user mallory/);
    await expect(idp.approveDevice(`${idp.issuer}/device?user_code=ABCD-EFGH`, "alice")).rejects.toThrow(/NotFoundError/);
  });

  it("rotates the signing key without a restart; verifiers refetch once, old tokens stay valid", async () => {
    const counter = verifier(idp);
    const verify = (token: string) => counter.verify(token);
    const oldToken = await idp.token();
    const oldKid = decodeProtectedHeader(oldToken).kid;
    await verify(oldToken);
    expect(counter.fetches).toBe(1);

    const newKid = await idp.rotateSigningKey();
    expect(newKid).not.toBe(oldKid);
    expect(idp.publishedKids()).toEqual([newKid, oldKid]);
    const newToken = await idp.token();
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    await verify(newToken);
    expect(counter.fetches).toBe(2); // unknown kid: exactly one refetch
    await verify(oldToken);
    await verify(newToken);
    expect(counter.fetches).toBe(2);
  });

  it("keeps rotating past the staged keys, and refresh tokens survive it", async () => {
    const { verify } = verifier(idp);
    const { cli, tokens } = await deviceLogin(idp, "alice", "offline_access prism.write");
    const firstToken = await idp.token();
    const kids = new Set(idp.publishedKids());
    for (let i = 0; i < 6; i++) {
      const kid = await idp.rotateSigningKey();
      expect(kids.has(kid)).toBe(false);
      kids.add(kid);
      expect(idp.publishedKids()[0]).toBe(kid);
      expect(decodeProtectedHeader(await idp.token()).kid).toBe(kid);
    }
    expect(new Set(idp.publishedKids())).toEqual(kids);
    await verify(firstToken);
    await verify(tokens.access_token);
    const refreshed = await client.refreshTokenGrant(cli, tokens.refresh_token ?? "");
    expect(decodeProtectedHeader(refreshed.access_token).kid).toBe(idp.publishedKids()[0]);
    expect(await verify(refreshed.access_token)).toMatchObject({ sub: "alice", groups: ["ops"], scope: "prism.write" });
  });

  it("counts JWKS fetches and publishes only published keys", async () => {
    const before = idp.jwksFetches;
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri)); // jose defaults: cached, 30 s refetch cooldown
    for (let i = 0; i < 5; i++) {
      await jwtVerify(await idp.token(), jwks, { issuer: idp.issuer, audience: idp.audience });
    }
    expect(idp.jwksFetches).toBe(before + 1);

    const response = await fetch(idp.jwksUri);
    expect(response.headers.get("content-type")).toMatch(/^application\/jwk-set\+json/);
    const body = (await response.json()) as { keys: { kid: string; d?: string }[] };
    expect(body.keys.map((key) => key.kid).sort()).toEqual(idp.publishedKids().sort());
    expect(body.keys.every((key) => key.d === undefined)).toBe(true);
    expect(idp.jwksFetches).toBe(before + 2);
  });
});
