// packageVersion: the version of the package a module belongs to, read from its package.json at
// run time, so what a pattern (or the proxy) reports is what the release wrote there.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The `version` of the nearest package.json (with a name) at or above the module at `moduleUrl`; pass `import.meta.url`. */
export function packageVersion(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = readManifest(join(dir, "package.json"));
    if (manifest && typeof manifest.name === "string" && typeof manifest.version === "string") return manifest.version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with a name and version at or above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}

function readManifest(file: string): { name?: unknown; version?: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as { name?: unknown; version?: unknown };
}
