// Resolving a binding's `backend` to a module: built-ins, installed packages (exports maps, main,
// nested node_modules), module paths relative to the config file, and what a miss says.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadPatternDefinition, patternCommand, resolvePatternModule } from "./pattern-module.js";

const root = mkdtempSync(join(tmpdir(), "prism-pattern-module-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `files` (path → content) under `root`. */
function write(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A module exporting a pattern definition without importing anything. */
const definitionModule = (name: string) =>
  `export const ${name.replace(/\W/g, "")}Pattern = { name: ${JSON.stringify(name)}, version: "9.9.9", config: {}, create: () => ({}) };\n`;

describe("resolvePatternModule", () => {
  it("resolves a built-in to its @prism package, run as a process by its own executable", () => {
    const module = resolvePatternModule("redis", root);
    expect(module.builtin).toBe("redis");
    expect(module.url).toMatch(/pattern-redis/);
    expect(patternCommand(module)).toEqual([process.execPath, expect.stringMatching(/prism-pattern-redis\.js$/)]);
  });

  it("finds a scoped package in node_modules above the config folder through its exports map", async () => {
    write({
      "project/node_modules/@acme/prism-pattern-notes/package.json": JSON.stringify({
        name: "@acme/prism-pattern-notes",
        type: "module",
        exports: { ".": { types: "./index.d.ts", require: "./index.cjs", import: "./esm/index.js" }, "./package.json": "./package.json" },
      }),
      "project/node_modules/@acme/prism-pattern-notes/esm/index.js": definitionModule("notes"),
      "project/config/prism.yaml": "",
    });
    const module = resolvePatternModule("@acme/prism-pattern-notes", join(root, "project", "config"));
    expect(fileURLToPath(module.url)).toBe(join(root, "project/node_modules/@acme/prism-pattern-notes/esm/index.js"));
    expect((await loadPatternDefinition(module)).name).toBe("notes");
    const command = patternCommand(module);
    expect(command.slice(1)).toEqual([expect.stringMatching(/prism-pattern-runner\.js$/), module.url]);
  });

  it("follows a package's main when it has no exports, and a subpath of one that has", () => {
    write({
      "project/node_modules/plain-pattern/package.json": JSON.stringify({ name: "plain-pattern", main: "lib/main.js" }),
      "project/node_modules/plain-pattern/lib/main.js": definitionModule("plain"),
      "project/node_modules/multi/package.json": JSON.stringify({
        name: "multi",
        exports: { ".": "./a.js", "./kv": { default: "./kv.js" } },
      }),
      "project/node_modules/multi/kv.js": definitionModule("kv"),
    });
    expect(resolvePatternModule("plain-pattern", join(root, "project")).url).toBe(
      pathToFileURL(join(root, "project/node_modules/plain-pattern/lib/main.js")).href,
    );
    expect(resolvePatternModule("multi/kv", join(root, "project")).url).toBe(
      pathToFileURL(join(root, "project/node_modules/multi/kv.js")).href,
    );
    expect(() => resolvePatternModule("multi/nope", join(root, "project"))).toThrow("package multi at");
  });

  it("resolves a module path relative to the config folder", async () => {
    write({ "project/patterns/mine.mjs": definitionModule("mine") });
    const module = resolvePatternModule("../patterns/mine.mjs", join(root, "project", "config"));
    expect((await loadPatternDefinition(module)).name).toBe("mine");
  });

  it("says where it looked when nothing is found", () => {
    expect(() => resolvePatternModule("@acme/missing", join(root, "project"))).toThrow(
      `no package "@acme/missing" in node_modules at or above ${join(root, "project")}, nor beside the proxy; install it: npm i @acme/missing`,
    );
    expect(() => resolvePatternModule("Not A Name", root)).toThrow("neither a package name nor a path");
  });
});
