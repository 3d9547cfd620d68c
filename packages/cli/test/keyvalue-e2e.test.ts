// End to end: the built prismctl against the real prism-proxy executable (memstore): kv set/get/exists/del/scan in
// JSON mode (stdout piped), values from stdin and --raw, exit codes 2/3/4 with their messages, and the environment
// (PRISM_URL, PRISM_NAMESPACE) honoured, with flags winning over it.
import { createServer } from "node:net";
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPrismctlProcesses, prismctlAt, requireBuiltPrismctl, runPrismctl } from "./support/prismctl-process.js";

let proxy: ProxyProcess;

beforeAll(async () => {
  requireBuiltPrismctl();
  proxy = await startProxyProcess({
    config: { namespaces: { default: { keyvalue: { backend: "memstore" } }, other: { keyvalue: { backend: "memstore" } } } },
  });
});
afterAll(async () => {
  killPrismctlProcesses();
  await proxy?.stop();
});

const { cli, json } = prismctlAt(() => proxy.url);

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("prismctl kv", () => {
  it("sets, gets, checks and deletes a key, one JSON document per command", async () => {
    expect(await json(["kv", "set", "user:1", "Ada"])).toEqual({ namespace: "default", key: "user:1", set: true, ttlMs: 0 });
    expect(await json(["kv", "get", "user:1"])).toEqual({ namespace: "default", key: "user:1", value: "Ada", encoding: "utf8" });
    expect(await json(["kv", "exists", "user:1"])).toEqual({ namespace: "default", key: "user:1", exists: true });
    expect(await json(["kv", "del", "user:1"])).toEqual({ namespace: "default", key: "user:1", deleted: true });
    expect(await json(["kv", "delete", "user:1"])).toEqual({ namespace: "default", key: "user:1", deleted: false });
    expect(await json(["kv", "exists", "user:1"])).toEqual({ namespace: "default", key: "user:1", exists: false });
    expect(await json(["kv", "set", "session:1", "x", "--ttl", "60000"])).toMatchObject({ ttlMs: 60000 });
    expect(await json(["kv", "get", "session:1"])).toMatchObject({ value: "x" });
  });

  it("exits 3 for a missing key, naming the key and the namespace", async () => {
    const result = await cli(["kv", "get", "missing:1"]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe('prismctl: kv get "missing:1": not found in namespace "default"\n');
  });

  it("exits 3 for an unknown namespace, naming it", async () => {
    const result = await cli(["-n", "nowhere", "kv", "get", "a"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^prismctl: kv get "a": namespace "nowhere" .*\(NOT_FOUND\)\n$/);
  });

  it('reads a value from stdin with "-", keeps its bytes, and writes them back with --raw', async () => {
    const bytes = new Uint8Array([0, 1, 2, 0xff, 0xfe, 10]);
    expect(await json(["kv", "set", "blob", "-"], { input: bytes })).toMatchObject({ set: true });
    expect(await json(["kv", "get", "blob"])).toEqual({ namespace: "default", key: "blob", value: "AAEC//4K", encoding: "base64" });
    const raw = await cli(["kv", "get", "blob", "--raw"]);
    expect(raw.code).toBe(0);
    expect(new Uint8Array(raw.stdoutBytes)).toEqual(bytes);
    expect(await json(["kv", "set", "text", "-"], { input: "line 1\nline 2\n" })).toMatchObject({ set: true });
    expect((await cli(["kv", "get", "text", "--raw"])).stdout).toBe("line 1\nline 2\n");
  });

  it("scans a prefix page by page as JSON lines, with values, and stops at --limit", async () => {
    for (const n of [3, 1, 5, 2, 4]) expect((await cli(["kv", "set", `scan:${n}`, `v${n}`])).code).toBe(0);
    expect((await cli(["kv", "set", "scanx", "not matched"])).code).toBe(0);
    const keys = await cli(["kv", "scan", "scan:", "--page-size", "2"]);
    expect(keys.code).toBe(0);
    expect(keys.stderr).toBe("");
    expect(
      keys.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([1, 2, 3, 4, 5].map((n) => ({ key: `scan:${n}` })));
    const values = await cli(["kv", "scan", "scan:", "--values", "--limit", "3"]);
    expect(
      values.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([1, 2, 3].map((n) => ({ key: `scan:${n}`, value: `v${n}`, encoding: "utf8" })));
    const none = await cli(["kv", "scan", "nothing-here:"]);
    expect(none).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("writes human text with --no-json when piped", async () => {
    expect((await cli(["kv", "set", "human", "hello"])).code).toBe(0);
    expect((await cli(["kv", "get", "human", "--no-json"])).stdout).toBe("hello\n");
    expect((await cli(["kv", "exists", "human", "--no-json"])).stdout).toBe('"human" exists\n');
  });

  it("honours PRISM_URL and PRISM_NAMESPACE, and flags win over them", async () => {
    const env = { PRISM_URL: proxy.url, PRISM_NAMESPACE: "other" };
    expect((await runPrismctl(["kv", "set", "where", "other-ns"], { env })).code).toBe(0);
    expect(JSON.parse((await runPrismctl(["kv", "get", "where"], { env })).stdout)).toMatchObject({
      namespace: "other",
      value: "other-ns",
    });
    const flagged = await runPrismctl(["kv", "get", "where", "-n", "default"], { env });
    expect(flagged.code).toBe(3);
    expect(flagged.stderr).toContain('not found in namespace "default"');
    const badEnvUrl = await runPrismctl(["kv", "get", "where"], { env: { PRISM_URL: "ftp://nowhere" } });
    expect(badEnvUrl.code).toBe(2);
    expect(badEnvUrl.stderr).toContain('PRISM_URL "ftp://nowhere"');
    const withPassword = await runPrismctl(["kv", "get", "where", "--url", "http://ada:s3cret@127.0.0.1:1"]);
    expect(withPassword.code).toBe(2);
    expect(withPassword.stderr).toContain("a URL with a user name or password is not taken");
    expect(withPassword.stderr).not.toContain("s3cret");
  });

  it("exits 4 when the proxy cannot be reached, naming the URL", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runPrismctl(["--url", url, "kv", "get", "a"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(new RegExp(`^prismctl: kv get "a": cannot reach the proxy at ${url} \\(.*ECONNREFUSED.*\\)\\n$`));
  });

  it.each([
    [["kv", "frobnicate"], /unknown command 'frobnicate'/],
    [["kv", "get"], /missing required argument 'key'/],
    [["kv", "get", "a", "--bogus"], /unknown option '--bogus'/],
    [["kv", "get", "a", "b"], /too many arguments/],
    [["kv", "set", "a", "b", "--ttl", "soon"], /--ttl <ms>.*expected a whole number/],
    [["--timeout", "-1", "kv", "get", "a"], /--timeout/],
    [["--url", "not a url", "kv", "get", "a"], /--url "not a url": expected an http/],
    [["-n", "Bad Name", "kv", "get", "a"], /--namespace: namespace "Bad Name" is not a namespace name/],
    [["kv"], /Usage: prismctl kv/],
    [["kv", "get", ""], /INVALID_ARGUMENT/],
  ])("exits 2 for bad usage: %j", async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });

  it("prints help (with the exit codes) and the version, exiting 0", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes:");
    expect(help.stdout).toContain("4  unavailable");
    expect((await cli(["kv", "scan", "--help"])).stdout).toContain("--page-size <n>");
    const version = await cli(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
