// The Node.js versions Prism supports, as binaries: this process's own Node, and Node 22 and 24
// LTS from the npm registry's `node` package (npx caches them after the first run).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A Node binary and its version. */
export interface NodeRuntime {
  /** Major version, e.g. 22. */
  readonly major: number;
  /** Absolute path of the binary. */
  readonly binary: string;
  /** Its full version, e.g. "v22.23.3". */
  readonly version: string;
}

/** The Node of this process. */
export function currentNode(): NodeRuntime {
  return { major: Number(process.versions.node.split(".")[0]), binary: process.execPath, version: process.version };
}

/** Node `major` from the npm registry (`npx -y node@<major>`), downloaded on first use. */
export async function registryNode(major: number): Promise<NodeRuntime> {
  const { stdout } = await run("npx", ["-y", `node@${major}`, "-p", "JSON.stringify([process.execPath, process.version])"], {
    timeout: 180_000,
  });
  const [binary, version] = JSON.parse(stdout.trim().split("\n").pop() as string) as [string, string];
  if (!version.startsWith(`v${major}.`)) throw new Error(`npx node@${major} ran ${version}`);
  return { major, binary, version };
}
