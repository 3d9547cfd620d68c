// End to end with authentication: a real proxy verifying JWTs from a real OpenID provider (the repo's test IdP):
// no token or a refused one exits 5 and never shows the token, `health` falls back to GET /healthz when the caller
// is no proxy admin, and `prismctl login` runs the device flow (approved as a user would), caches the token for
// later commands, and `prismctl logout` removes it.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The test IdP is a private workspace package that @prism/cli does not list as a dependency: imported by path.
import { startTestIdp, type TestIdp } from "@prism/test-idp";
import { killPrismctlProcesses, prismctlAt, requireBuiltPrismctl, startPrismctl } from "./support/prismctl-process.js";

let idp: TestIdp;
let proxy: ProxyProcess;
const loginDir = mkdtempSync(join(tmpdir(), "prismctl-login-"));
const tokenFile = join(loginDir, "prism", "token.json");

beforeAll(async () => {
  requireBuiltPrismctl();
  idp = await startTestIdp({ machines: { "ops-bot": ["ops"], "reader-bot": ["readers"], "admin-bot": ["prism-admins"] } });
  proxy = await startProxyProcess({
    config: {
      auth: { issuer: idp.issuer, audience: [idp.audience], admin: ["group:prism-admins"] },
      namespaces: { default: { keyvalue: { backend: "memstore" }, access: { read: ["group:readers"], write: ["group:ops"] } } },
    },
  });
});
afterAll(async () => {
  killPrismctlProcesses();
  await proxy?.stop();
  await idp?.close();
  rmSync(loginDir, { recursive: true, force: true });
});

const { cli } = prismctlAt(() => proxy.url);

describe("prismctl with authentication", () => {
  it("exits 5 without a token, saying how to get one", async () => {
    const result = await cli(["kv", "get", "a"]);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /^prismctl: kv get "a": .*\(UNAUTHENTICATED\): no token was sent: set PRISM_TOKEN or run `prismctl login`\n$/,
    );
  });

  it("sends PRISM_TOKEN, exits 5 when it is refused or lacks the permission, and never prints it", async () => {
    const ops = await idp.token("ops-bot");
    expect((await cli(["kv", "set", "a", "1"], { env: { PRISM_TOKEN: ops } })).code).toBe(0);

    const reader = await idp.token("reader-bot");
    const denied = await cli(["kv", "set", "a", "2"], { env: { PRISM_TOKEN: reader } });
    expect(denied.code).toBe(5);
    expect(denied.stderr).toMatch(/^prismctl: kv set "a": .*\(PERMISSION_DENIED\)\n$/);
    expect(denied.stderr).not.toContain(reader);
    expect(JSON.parse((await cli(["kv", "get", "a"], { env: { PRISM_TOKEN: reader } })).stdout)).toMatchObject({ value: "1" });

    const forged = `${ops.slice(0, -8)}AAAAAAAA`;
    const refused = await cli(["kv", "get", "a"], { env: { PRISM_TOKEN: forged } });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("(UNAUTHENTICATED): the token in PRISM_TOKEN was refused");
    expect(refused.stderr + refused.stdout).not.toContain(forged);
  });

  it("shows health from GetStatus to a proxy admin, and falls back to GET /healthz for others, saying why", async () => {
    const admin = await cli(["health"], { env: { PRISM_TOKEN: await idp.token("admin-bot") } });
    expect(admin.code).toBe(0);
    expect(JSON.parse(admin.stdout)).toMatchObject({ source: "admin", status: "HEALTHY" });

    const ops = await cli(["health"], { env: { PRISM_TOKEN: await idp.token("ops-bot") } });
    expect(ops.code).toBe(0);
    expect(ops.stderr).toMatch(
      /^prismctl: health: the admin API refused GetStatus: .*\(PERMISSION_DENIED\); showing GET \/healthz instead\n$/,
    );
    expect(JSON.parse(ops.stdout)).toEqual({ source: "healthz", url: proxy.url, status: "SERVING" });

    const human = await cli(["health", "--no-json"]);
    expect(human.stdout).toBe(`prism-proxy at ${proxy.url}: SERVING (per-pattern health needs the admin API, or health.details: true)\n`);

    const ns = await cli(["ns", "list"], { env: { PRISM_TOKEN: await idp.token("ops-bot") } });
    expect(ns.code).toBe(5);
  });

  it("logs in with the device flow, uses the cached token, and logs out", async () => {
    const env = { PRISM_TOKEN_FILE: tokenFile };
    const login = startPrismctl(["login", "--issuer", idp.issuer, "--audience", idp.resource, "--json"], { env });
    const [, url] = await login.waitFor("stderr", /\nor open (\S+)\n/);
    expect(login.stderr()).toMatch(/^To log in, open \S+ and enter the code \S+\n/);
    await idp.approveDevice(url ?? "", "alice");
    const result = await login.exited;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      loggedIn: true,
      path: tokenFile,
      issuer: idp.issuer,
      clientId: "prism-cli",
      audience: idp.resource,
      refreshable: true,
    });
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(tokenFile, "utf8")) as { accessToken: string; refreshToken: string };
    for (const secret of [stored.accessToken, stored.refreshToken]) expect(result.stdout + result.stderr).not.toContain(secret);

    // alice is in group "ops": she may write.
    expect((await cli(["kv", "set", "by", "alice"], { env })).code).toBe(0);
    expect(JSON.parse((await cli(["kv", "get", "by"], { env })).stdout)).toMatchObject({ value: "alice" });

    expect(JSON.parse((await cli(["logout"], { env })).stdout)).toEqual({ removed: true, path: tokenFile });
    expect(JSON.parse((await cli(["logout"], { env })).stdout)).toEqual({ removed: false, path: tokenFile });
    const after = await cli(["kv", "get", "by"], { env });
    expect(after.code).toBe(5);
    expect(after.stderr).toContain("no token was sent");
  });

  it("refuses a login without an issuer as a usage error", async () => {
    const result = await cli(["login"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/required option '--issuer <url>' not specified/);
  });
});
