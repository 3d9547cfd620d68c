// A private npm registry (verdaccio) for one test run: storage in a temp folder, no uplinks (an
// @prism package comes only from what the test published), anonymous publish. It runs in its own
// process so that synchronous npm calls from the test never block it.
import { type ChildProcess, execFile, fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A running local registry. */
export interface LocalRegistry {
  /** Its base URL, ending in "/". */
  readonly url: string;
  /** Publishes a tarball (prereleases under the dist-tag "next"). */
  publish(tarball: string): Promise<void>;
  /** Stops the registry process. */
  stop(): Promise<void>;
}

const config = `storage: ./storage
auth:
  htpasswd:
    file: ./htpasswd
uplinks: {}
packages:
  "**":
    access: $all
    publish: $all
    unpublish: $all
web:
  enable: false
log: { type: stdout, format: json, level: warn }
`;

/** Starts verdaccio under `dir` and resolves once it answers /-/ping. */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, config);
  const child = fork(fileURLToPath(new URL("./registry-server.mjs", import.meta.url)), [configFile], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`verdaccio exited with code ${code} before listening`)));
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitForPing(url);
  // npm refuses to publish without a credential for the registry; verdaccio ignores this one (publish: $all).
  const userconfig = join(dir, "publish.npmrc");
  writeFileSync(userconfig, `//127.0.0.1:${port}/:_authToken=release-test\n`);
  return {
    url,
    async publish(tarball) {
      await run("npm", ["publish", tarball, "--registry", url, `--@prism:registry=${url}`, "--tag", "next", "--provenance=false"], {
        env: { ...process.env, npm_config_userconfig: userconfig },
      });
    },
    stop: () => stopChild(child),
  };
}

async function waitForPing(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const ok = await fetch(new URL("-/ping", url)).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`verdaccio at ${url} did not answer /-/ping within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
