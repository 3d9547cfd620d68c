// Runs a command line under a pseudo-terminal with util-linux `script`, so prismctl sees a TTY on stdout and stderr
// (both end up in the captured output, as on a real terminal).
import { execFileSync, spawn } from "node:child_process";
import { baseEnv } from "./prismctl-process.js";

/** Whether util-linux `script` is available (Linux). */
export const hasScript: boolean = (() => {
  if (process.platform !== "linux") return false;
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Quotes `word` for sh. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** Runs `argv` in a pseudo-terminal; resolves with everything the terminal showed and the exit code. */
export function runInTerminal(
  argv: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const command = argv.map(shellQuote).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], { env: { ...baseEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} did not finish within ${timeoutMs} ms; output so far:\n${output}`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
