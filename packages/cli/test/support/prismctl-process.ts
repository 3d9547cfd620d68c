// Runs the built prismctl (dist/bin/prismctl.js) as a child process, the way a user does: `runPrismctl` waits for
// the exit, `startPrismctl` leaves it running (subscribe, login) with helpers to wait for output; every child is
// tracked so `killPrismctlProcesses` (in afterAll) leaves no orphans.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** The built executable under test. */
export const prismctlBin = fileURLToPath(new URL("../../dist/bin/prismctl.js", import.meta.url));

/** A login cache path that does not exist, so the tests never read or write the user's ~/.prism. */
const noLogin = join(tmpdir(), `prismctl-test-${process.pid}-no-login`, "token.json");

/** The environment of every child: this process's without PRISM_*, plus a login cache path that does not exist. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("PRISM_")) env[name] = value;
  }
  env.PRISM_TOKEN_FILE = noLogin;
  return env;
}

/** Throws a clear error when the executable has not been built. */
export function requireBuiltPrismctl(): void {
  if (!existsSync(prismctlBin)) throw new Error(`${prismctlBin} is missing: run \`pnpm --filter @prism/cli build\` first`);
}

/** What a finished run left. */
export type PrismctlResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout decoded as UTF-8. */
  stdout: string;
  /** stdout as the bytes written. */
  stdoutBytes: Buffer;
  stderr: string;
};

/** Options of a run. */
export type PrismctlRunOptions = {
  /** Extra environment variables (over baseEnv). */
  env?: Record<string, string>;
  /** Bytes or text written to stdin (stdin is closed either way). */
  input?: string | Uint8Array;
  /** Kill the child after this long (default 30 s) and fail. */
  timeoutMs?: number;
};

const running = new Set<ChildProcessWithoutNullStreams>();

/** A running prismctl with its output so far. */
export type PrismctlProcess = {
  /** The child process. */
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves once stdout (or stderr) contains a match of `pattern`, with the match; rejects after `timeoutMs` or at exit. */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the result once the child has exited. */
  exited: Promise<PrismctlResult>;
};

/** Starts prismctl with `args` and leaves it running. */
export function startPrismctl(args: string[], options: PrismctlRunOptions = {}): PrismctlProcess {
  const child = spawn(process.execPath, [prismctlBin, ...args], { env: { ...baseEnv(), ...options.env }, stdio: "pipe" });
  running.add(child);
  const output = { stdout: "", stderr: "" };
  const stdoutChunks: Buffer[] = [];
  const listeners = new Set<() => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    stdoutChunks.push(chunk);
    output.stdout = Buffer.concat(stdoutChunks).toString("utf8");
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<PrismctlResult>((resolve) =>
    child.once("close", (code, signal) => {
      running.delete(child);
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout: output.stdout, stdoutBytes: Buffer.concat(stdoutChunks), stderr: output.stderr });
    }),
  );
  if (options.input !== undefined) child.stdin.end(options.input);
  const waitFor = (stream: "stdout" | "stderr", pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = output[stream].match(pattern);
        if (match !== null) done(() => resolve(match));
        else if (child.exitCode !== null || child.signalCode !== null) {
          done(() =>
            reject(new Error(`prismctl exited (${child.exitCode ?? child.signalCode}) before ${pattern} on ${stream}:\n${show()}`)),
          );
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms:\n${show()}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });
  const show = () => `stdout: ${output.stdout}\nstderr: ${output.stderr}`;
  return { child, stdout: () => output.stdout, stderr: () => output.stderr, waitFor, exited };
}

/** Runs prismctl with `args` to its end. */
export async function runPrismctl(args: string[], options: PrismctlRunOptions = {}): Promise<PrismctlResult> {
  const run = startPrismctl(args, { ...options, input: options.input ?? "" });
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill("SIGKILL");
      reject(
        new Error(`prismctl ${args.join(" ")} did not exit within ${timeoutMs} ms:\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every prismctl child still running (call in afterAll). */
export function killPrismctlProcesses(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** Runs prismctl against the proxy at `url()` (read per call: the proxy starts in beforeAll). */
export function prismctlAt(url: () => string): {
  /** Runs a command; resolves with its exit code and output. */
  cli: (args: string[], options?: PrismctlRunOptions) => Promise<PrismctlResult>;
  /** Runs a command, expects exit 0 and nothing on stderr, and parses stdout as one JSON document. */
  json: (args: string[], options?: PrismctlRunOptions) => Promise<unknown>;
} {
  const cli = (args: string[], options?: PrismctlRunOptions) => runPrismctl(["--url", url(), ...args], options);
  const json = async (args: string[], options?: PrismctlRunOptions) => {
    const result = await cli(args, options);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as unknown;
  };
  return { cli, json };
}
