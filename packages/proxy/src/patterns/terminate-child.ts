// Ending a child process: SIGTERM, then SIGKILL once a grace period has passed.
import type { ChildProcess } from "node:child_process";

/** Sends SIGTERM, and SIGKILL after `graceMs` (calling `onKill` first); resolves once the child has exited. */
export async function terminateChild(child: ChildProcess | undefined, graceMs: number, onKill: () => void): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killTimer = setTimeout(() => {
    onKill();
    child.kill("SIGKILL");
  }, graceMs);
  await gone;
  clearTimeout(killTimer);
}
