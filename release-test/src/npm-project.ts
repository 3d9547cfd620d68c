// An empty npm project in a temp folder, as a user starts one: a package.json, an .npmrc that
// points only the @prism scope at the local registry, and plain `npm install`, run by the Node
// version under test (so npm checks `engines` against it).
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { requireBinary } from "@prism/testkit";

const run = promisify(execFile);

/** The npm CLI script of this machine's npm, runnable by any Node binary. */
const npmCli = join(dirname(realpathSync(requireBinary("npm", "npm"))), "npm-cli.js");

/** A user's project. */
export interface NpmProject {
  /** Its folder. */
  readonly dir: string;
  /** The Node binary it runs with. */
  readonly nodeBinary: string;
  /** Runs `npm install <specs>`; returns npm's combined output (warnings included). */
  install(specs: readonly string[]): Promise<string>;
  /** Runs `node <args>` in the project with its Node binary; returns stdout. */
  runNode(args: readonly string[], options?: { timeoutMs?: number }): Promise<string>;
  /** Copies `files` from a fixtures folder into the project. */
  copy(fromDir: string, files: readonly string[]): void;
  /** Environment for processes of this project: its Node first on PATH. */
  readonly env: NodeJS.ProcessEnv;
}

/** Creates the project folder with its package.json and .npmrc. */
export function createNpmProject(dir: string, registryUrl: string, node: string, name = "prism-user-app"): NpmProject {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
  writeFileSync(join(dir, ".npmrc"), `@prism:registry=${registryUrl}\n`);
  const env = { ...userEnvironment(), PATH: `${dirname(node)}:${process.env.PATH}` };
  return {
    dir,
    nodeBinary: node,
    env,
    async install(specs) {
      const { stdout, stderr } = await run(node, [npmCli, "install", "--no-audit", "--no-fund", "--loglevel=warn", ...specs], {
        cwd: dir,
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
      return `${stdout}${stderr}`;
    },
    async runNode(args, options = {}) {
      const { stdout } = await run(node, args, { cwd: dir, env, timeout: options.timeoutMs ?? 30_000 });
      return stdout;
    },
    copy(fromDir, files) {
      for (const file of files) cpSync(join(fromDir, file), join(dir, file));
    },
  };
}

/** This process's environment minus what pnpm, npm scripts and vitest add, so tools behave as in a user's shell. */
export function userEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$|INIT_CWD$)/.test(name)) continue;
    env[name] = value;
  }
  return env;
}
