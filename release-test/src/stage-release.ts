// Stages a release the way the maintainers cut one, in a copy of the workspace (the checkout is
// never touched): every public package with its built dist, a changeset bumping them all,
// `changeset version --snapshot` writing the versions, then `pnpm pack` turning `workspace:*`
// dependencies into those exact versions.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** One packed package. */
export interface PackedPackage {
  /** Its name, e.g. "@prism/client". */
  readonly name: string;
  /** The .tgz file. */
  readonly tarball: string;
}

/** What stageRelease produced. */
export interface StagedRelease {
  /** The snapshot version every package got. */
  readonly version: string;
  /** Every public package, packed. */
  readonly packages: readonly PackedPackage[];
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Copies the public packages of `workspaceRoot` into `dir`, versions them as a snapshot and packs them into `dir/tarballs`. */
export async function stageRelease(workspaceRoot: string, dir: string, log: (line: string) => void): Promise<StagedRelease> {
  const packagesDir = join(workspaceRoot, "packages");
  const staged = join(dir, "workspace");
  const names = new Map<string, string>();
  for (const entry of readdirSync(packagesDir)) {
    const source = join(packagesDir, entry);
    if (!existsSync(join(source, "package.json")) || readManifest(source).private) continue;
    if (!existsSync(join(source, "dist"))) throw new Error(`${source}/dist is missing: build the workspace first`);
    cpSync(source, join(staged, "packages", entry), {
      recursive: true,
      filter: (path) => !relative(source, path).split("/").includes("node_modules"),
    });
    names.set(readManifest(source).name, entry);
  }
  writeFileSync(join(staged, "package.json"), JSON.stringify({ name: "prism-release", private: true }));
  writeFileSync(join(staged, "pnpm-workspace.yaml"), 'packages:\n  - "packages/*"\n');
  cpSync(join(workspaceRoot, ".changeset"), join(staged, ".changeset"), { recursive: true });
  const changesetConfig = JSON.parse(readFileSync(join(staged, ".changeset", "config.json"), "utf8")) as Record<string, unknown>;
  changesetConfig.ignore = []; // the private packages it names are not staged
  changesetConfig.snapshot = { useCalculatedVersion: true, prereleaseTemplate: "{tag}.{datetime}" };
  writeFileSync(join(staged, ".changeset", "config.json"), JSON.stringify(changesetConfig, null, 2));
  const bump = [...names.keys()].map((name) => `"${name}": patch`).join("\n");
  writeFileSync(join(staged, ".changeset", "release-test.md"), `---\n${bump}\n---\n\nRelease test snapshot.\n`);

  log(`changeset version --snapshot release-test (${names.size} packages)`);
  await run(process.execPath, [join(workspaceRoot, "node_modules/@changesets/cli/bin.js"), "version", "--snapshot", "release-test"], {
    cwd: staged,
  });
  const versions = new Set([...names.values()].map((entry) => readManifest(join(staged, "packages", entry)).version));
  if (versions.size !== 1) throw new Error(`changeset gave the packages different versions: ${[...versions].join(", ")}`);
  const [version] = versions as Set<string>;

  // A dev dependency on a private workspace package (a test harness) is not published: drop it.
  for (const entry of names.values()) {
    const file = join(staged, "packages", entry, "package.json");
    const manifest = readManifest(join(staged, "packages", entry));
    if (!manifest.devDependencies) continue;
    for (const [dep, spec] of Object.entries(manifest.devDependencies)) {
      if (spec.startsWith("workspace:") && !names.has(dep)) delete manifest.devDependencies[dep];
    }
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  // pnpm pack reads the version of a workspace:* dependency from the dependent's node_modules.
  for (const entry of names.values()) {
    const manifest = readManifest(join(staged, "packages", entry));
    const deps = { ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies };
    for (const [dep, spec] of Object.entries(deps)) {
      const target = names.get(dep);
      if (!spec.startsWith("workspace:") || target === undefined) continue;
      const link = join(staged, "packages", entry, "node_modules", dep);
      mkdirSync(join(link, ".."), { recursive: true });
      if (!existsSync(link)) symlinkSync(join(staged, "packages", target), link, "dir");
    }
  }
  const tarballs = join(dir, "tarballs");
  mkdirSync(tarballs, { recursive: true });
  log(`pnpm pack ${names.size} packages at ${version}`);
  const packages = await Promise.all(
    [...names].map(async ([name, entry]) => {
      const { stdout } = await run("pnpm", ["pack", "--json", "--pack-destination", tarballs], { cwd: join(staged, "packages", entry) });
      const { filename } = JSON.parse(stdout) as { filename: string };
      return { name, tarball: filename };
    }),
  );
  return { version: version as string, packages };
}
