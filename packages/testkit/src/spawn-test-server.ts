// Test harness building block: spawns a backend server binary, waits (with capped backoff) until it
// is ready, keeps its output for error messages, terminates it (SIGTERM→SIGKILL), and kills every
// server it spawned when this process exits whatever happens.
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

/** How to launch one test server and tell that it is ready. */
export interface TestServerLaunch {
  /** Its name in error messages, e.g. "redis-server". */
  readonly name: string;
  /** Absolute path of its executable. */
  readonly binary: string;
  /** Its command-line arguments. */
  readonly args: readonly string[];
  /** The port it listens on (for error messages). */
  readonly port: number;
  /** Whether it is ready yet; polled until true. */
  readonly ready: () => Promise<boolean>;
  /** What `ready` waits for, for the timeout message, e.g. "answer PING". */
  readonly readiness: string;
}

/** Every server started by this process, killed when the process exits whatever happens. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills the servers still running when the process exits; installed with the first server, never on import. */
function killRunningOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/** Spawns the server and resolves once `ready()` is true; throws (with its last output) if it exits or is not ready within 10 s. */
export async function launchTestServer(launch: TestServerLaunch): Promise<ChildProcess> {
  const { name, port } = launch;
  killRunningOnExit();
  const child = spawn(launch.binary, launch.args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    if (child.exitCode !== null) {
      throw new Error(`${name} on port ${port} exited with code ${child.exitCode}:\n${output.join("").slice(-2000)}`);
    }
    if (await launch.ready()) return child;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} on port ${port} did not ${launch.readiness} within 10 s:\n${output.join("").slice(-2000)}`);
    }
    await sleep(delay);
  }
}

/** Sends `signal` to a running server (SIGKILL after 5 s) and resolves once it has exited. */
export async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}
