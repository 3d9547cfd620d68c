// Loading the workspace's BUILT packages (packages/*/dist) by path relative to this script, plus
// @bufbuild/protobuf resolved to the very ESM copy the packages use (it is not a root dependency).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packagesDir = new URL("../../packages/", import.meta.url);

/** Imports `packages/<relativePath>` (e.g. "proxy/dist/testing/index.js"); tells how to build when missing. */
export async function importBuilt(relativePath) {
  const url = new URL(relativePath, packagesDir);
  if (!existsSync(url)) {
    throw new Error(`${fileURLToPath(url)} is missing: build the workspace first (pnpm exec nx run-many -t build)`);
  }
  return import(url.href);
}

/** Imports the ESM entry of `specifier` as resolved from `packages/<fromPackage>` (e.g. "pattern-sdk"). */
export async function importDependencyOf(fromPackage, specifier) {
  const require = createRequire(new URL(`${fromPackage}/package.json`, packagesDir));
  // require.resolve picks the CommonJS build; find its package.json (which need not be exported)
  // and take the "import" entry instead, so the module instance is the one the ESM packages share.
  let dir = dirname(require.resolve(specifier));
  let manifestPath = join(dir, "package.json");
  let manifest;
  for (;;) {
    if (existsSync(manifestPath)) {
      manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
      if (manifest.name === specifier) break;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of ${specifier} above ${require.resolve(specifier)}`);
    dir = dirname(dir);
    manifestPath = join(dir, "package.json");
  }
  const root = manifest.exports?.["."];
  const entry = typeof root === "string" ? root : (root?.import ?? root?.default ?? manifest.module ?? manifest.main);
  return import(pathToFileURL(join(dirname(manifestPath), entry)).href);
}
