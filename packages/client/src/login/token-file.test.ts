// Tests for the token file: round trip, modes 0600 / 0700, atomic replacement, and refusal of files that are not ours.
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnauthenticatedError } from "../errors/error-classes.js";
import { defaultTokenPath, readTokenFile, type TokenSet, writeTokenFile } from "./token-file.js";

const tokens: TokenSet = {
  issuer: "https://idp.example.com",
  clientId: "prism-cli",
  accessToken: "access-1",
  refreshToken: "refresh-1",
  expiresAt: "2030-01-01T00:00:00.000Z",
  scope: "prism.read",
  audience: "prism",
};

describe("the token file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "prism-token-file-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("defaults to ~/.prism/token.json", () => {
    expect(defaultTokenPath()).toBe(join(homedir(), ".prism", "token.json"));
  });

  it("round-trips a token set, with optional fields left out", async () => {
    const path = join(dir, "token.json");
    await writeTokenFile(path, tokens);
    expect(await readTokenFile(path)).toEqual(tokens);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ version: 1, ...tokens });
    const minimal: TokenSet = { issuer: "https://idp.example.com", clientId: "c", accessToken: "a" };
    await writeTokenFile(path, minimal);
    expect(await readTokenFile(path)).toEqual(minimal);
  });

  it("is undefined when there is no file", async () => {
    expect(await readTokenFile(join(dir, "none.json"))).toBeUndefined();
  });

  it("creates missing folders 0700 and the file 0600, and keeps 0600 when replacing a looser file", async () => {
    const path = join(dir, "a", ".prism", "token.json");
    await writeTokenFile(path, tokens);
    expect((await stat(join(dir, "a", ".prism"))).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const loose = join(dir, "loose.json");
    await writeFile(loose, "{}", { mode: 0o644 });
    await writeTokenFile(loose, tokens);
    expect((await stat(loose)).mode & 0o777).toBe(0o600);
  });

  it("leaves an existing folder's mode alone", async () => {
    const shared = join(dir, "shared");
    await mkdir(shared, { mode: 0o755 });
    await writeTokenFile(join(shared, "token.json"), tokens);
    expect((await stat(shared)).mode & 0o777).toBe(0o755);
  });

  it("replaces the file atomically: a new file renamed over the old, which a reader still holding it reads whole", async () => {
    const path = join(dir, "token.json");
    await writeTokenFile(path, tokens);
    const before = await stat(path);
    const reader = await open(path, "r");
    try {
      await writeTokenFile(path, { ...tokens, accessToken: "access-2" });
      expect((await stat(path)).ino).not.toBe(before.ino);
      expect(JSON.parse(await reader.readFile("utf8"))).toMatchObject({ accessToken: "access-1" });
      expect(await readTokenFile(path)).toMatchObject({ accessToken: "access-2" });
    } finally {
      await reader.close();
    }
    expect(await readdir(dir)).toEqual(["token.json"]);
  });

  it("removes its temporary file when the rename fails, leaving what was there", async () => {
    const path = join(dir, "token.json");
    await mkdir(path);
    await writeFile(join(path, "keep"), "x");
    await expect(writeTokenFile(path, tokens)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["token.json"]);
    expect(await readdir(path)).toEqual(["keep"]);
  });

  it.each([
    ["not JSON", "{", /is not valid JSON/],
    ["an array", "[]", /not an object/],
    ["another version", JSON.stringify({ ...tokens, version: 2 }), /version 2, expected 1/],
    ["no access token", JSON.stringify({ ...tokens, version: 1, accessToken: "" }), /accessToken missing/],
    ["a numeric scope", JSON.stringify({ ...tokens, version: 1, scope: 3 }), /scope is not a string/],
    ["a bad expiry", JSON.stringify({ ...tokens, version: 1, expiresAt: "soon" }), /expiresAt is not a date/],
  ])("refuses a file with %s, saying to log in again", async (_, content, message) => {
    const path = join(dir, "token.json");
    await writeFile(path, content);
    const error = await readTokenFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("run the device login again");
    expect((error as Error).message).not.toContain("refresh-1");
  });
});
