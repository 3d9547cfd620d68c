// packageVersion reads the version the release wrote into package.json, from src and from dist alike.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { packageVersion } from "./package-version.js";

describe("packageVersion", () => {
  const root = mkdtempSync(join(tmpdir(), "prism-version-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("is this package's own version", async () => {
    const { version } = JSON.parse(
      await import("node:fs").then((fs) => fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")),
    );
    expect(packageVersion(import.meta.url)).toBe(version);
  });

  it("skips a nested package.json without a name (like dist/package.json with only a type)", () => {
    writeFileSync(join(root, "package.json"), JSON.stringify({ name: "@acme/x", version: "1.2.3-snap.0" }));
    mkdirSync(join(root, "dist", "bin"), { recursive: true });
    writeFileSync(join(root, "dist", "package.json"), JSON.stringify({ type: "module" }));
    expect(packageVersion(pathToFileURL(join(root, "dist", "bin", "main.js")).href)).toBe("1.2.3-snap.0");
  });

  it("names the module when no package.json is found", () => {
    expect(() => packageVersion("file:///no-such-dir/module.js")).toThrow(
      /no package.json with a name and version at or above \/no-such-dir\/module.js/,
    );
  });
});
