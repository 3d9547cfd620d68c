// Which module serves a binding's `backend`, in one table: a built-in name (memstore, redis, nats)
// is its @prism package; anything else is an installed pattern package, looked up in node_modules
// from the config file's folder (then beside the proxy), or a module path relative to that folder.
// In-process isolation imports the module; process isolation runs a built-in's own executable, or
// the proxy's pattern runner for any other module.
import type { PatternDefinition } from "@prism/pattern-sdk";
import { findPatternDefinition } from "@prism/pattern-sdk/host";
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The built-in backends and the package serving each. */
export const builtinPatternPackages = {
  memstore: "@prism/pattern-memstore",
  redis: "@prism/pattern-redis",
  nats: "@prism/pattern-nats",
} as const;

/** Names of the built-in backends. */
export type BuiltinBackend = keyof typeof builtinPatternPackages;

/** The module a binding's backend resolved to. */
export interface PatternModule {
  /** What the binding said: a built-in name, a package specifier or a path. */
  readonly backend: string;
  /** The built-in's name, when it is one. */
  readonly builtin: BuiltinBackend | undefined;
  /** file: URL of the module exporting the pattern definition. */
  readonly url: string;
}

const packageNamePattern = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(\/[^\s]+)?$/;

/** Tells whether `backend` names a built-in pattern. */
export function isBuiltinBackend(backend: string): backend is BuiltinBackend {
  return Object.hasOwn(builtinPatternPackages, backend);
}

/** Resolves a binding's `backend` to the module serving it; throws an Error saying where it looked. */
export function resolvePatternModule(backend: string, baseDir: string): PatternModule {
  if (isBuiltinBackend(backend)) return { backend, builtin: backend, url: import.meta.resolve(builtinPatternPackages[backend]) };
  if (backend.startsWith("./") || backend.startsWith("../") || isAbsolute(backend)) {
    const file = resolve(baseDir, backend);
    if (!existsSync(file)) throw new Error(`no module at ${file}`);
    return { backend, builtin: undefined, url: pathToFileURL(file).href };
  }
  if (!packageNamePattern.test(backend)) throw new Error(`"${backend}" is neither a package name nor a path starting with ./, ../ or /`);
  const url = resolveFromNodeModules(backend, baseDir) ?? resolveBesideProxy(backend);
  if (!url)
    throw new Error(
      `no package "${packageName(backend)}" in node_modules at or above ${baseDir}, nor beside the proxy; install it: npm i ${packageName(backend)}`,
    );
  return { backend, builtin: undefined, url };
}

/** Imports the module and returns the pattern definition it exports. */
export async function loadPatternDefinition(module: PatternModule): Promise<PatternDefinition> {
  const exports = (await import(module.url)) as Record<string, unknown>;
  return findPatternDefinition(exports, module.builtin ? builtinPatternPackages[module.builtin] : module.backend);
}

/** The argv that runs the pattern of `module` as its own process (the proxy adds --socket and friends). */
export function patternCommand(module: PatternModule): string[] {
  if (module.builtin) {
    return [process.execPath, fileURLToPath(import.meta.resolve(`${builtinPatternPackages[module.builtin]}/bin`))];
  }
  const runner = fileURLToPath(new URL("../bin/prism-pattern-runner.js", import.meta.url));
  return [process.execPath, runner, module.url];
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

/** Looks for the package in node_modules folders from `baseDir` up, and resolves its ESM entry. */
function resolveFromNodeModules(specifier: string, baseDir: string): string | undefined {
  const name = packageName(specifier);
  const subpath = `.${specifier.slice(name.length)}`;
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const root = join(dir, "node_modules", name);
    const manifestFile = join(root, "package.json");
    if (existsSync(manifestFile)) {
      const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as PackageManifest;
      const entry = packageEntry(manifest, subpath);
      if (!entry) throw new Error(`package ${name} at ${root} exports no ESM entry for "${subpath}"`);
      return pathToFileURL(join(root, entry)).href;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Resolves the package the way the proxy's own imports would (a package installed beside it). */
function resolveBesideProxy(specifier: string): string | undefined {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
}

/** The parts of package.json that locate an ESM entry. */
interface PackageManifest {
  exports?: unknown;
  main?: string;
}

const importConditions = ["import", "node", "default"];

/** The file of `subpath` ("." or "./x") under the package's exports map (import/node/default conditions), or its main. */
function packageEntry(manifest: PackageManifest, subpath: string): string | undefined {
  const { exports } = manifest;
  if (exports === undefined) return subpath === "." ? (manifest.main ?? "index.js") : subpath;
  const isSubpathMap = typeof exports === "object" && exports !== null && Object.keys(exports).some((key) => key.startsWith("."));
  const target = isSubpathMap ? (exports as Record<string, unknown>)[subpath] : subpath === "." ? exports : undefined;
  return conditionalTarget(target);
}

function conditionalTarget(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = conditionalTarget(item);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof target !== "object" || target === null) return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (!importConditions.includes(condition)) continue;
    const found = conditionalTarget(value);
    if (found) return found;
  }
  return undefined;
}
