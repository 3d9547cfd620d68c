// Test and bench kit: runs the real `prism-proxy` executable with a given config on a free port,
// collects its JSON log lines, and stops it (SIGTERM, then SIGKILL) when asked.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

/** Path of the built prism-proxy executable. */
export const proxyBinPath = fileURLToPath(new URL("../../dist/bin/prism-proxy.js", import.meta.url));

/** One parsed log line of the proxy (or of a pattern, forwarded by it). */
export type ProxyLogRecord = Record<string, unknown> & { msg: string; level: string };

/** Options of startProxyProcess. */
export interface StartProxyProcessOptions {
  /** The prism.yaml content as an object (written to a temp file); `listen` defaults to 127.0.0.1:0. */
  config?: Record<string, unknown>;
  /** Start without --config (the zero-config default), listening on 127.0.0.1:0; `config` and `files` are ignored. */
  noConfig?: boolean;
  /** The prism-proxy executable to run (default: this package's own build), e.g. one installed from a registry. */
  bin?: string;
  /** The Node binary to run it with (default: this process's). */
  node?: string;
  /** Working directory of the proxy (default: this process's). */
  cwd?: string;
  /** Folder prism.yaml is written to (default: a new temp folder, removed at stop; a given one is kept). */
  configDir?: string;
  /** Files written beside prism.yaml (path relative to its folder → content), e.g. pattern modules. */
  files?: Record<string, string>;
  /** Extra arguments after --config. */
  args?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** How long to wait for "listening" (default 30 s). */
  startTimeoutMs?: number;
}

/** A running proxy process. */
export interface ProxyProcess {
  /** The child process. */
  readonly child: ChildProcess;
  /** "http://HOST:PORT". */
  readonly url: string;
  /** Every log line so far. */
  readonly logs: ProxyLogRecord[];
  /** The config file written for it. */
  readonly configFile: string;
  /** Waits for a log line matching `predicate` (already seen or future). */
  waitForLog(predicate: (record: ProxyLogRecord) => boolean, timeoutMs?: number): Promise<ProxyLogRecord>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the proxy executable and resolves once it listens. */
export async function startProxyProcess(options: StartProxyProcessOptions = {}): Promise<ProxyProcess> {
  const dir = options.configDir ?? mkdtempSync(join(tmpdir(), "prism-test-"));
  const cleanUp = () =>
    options.configDir ? rmSync(join(dir, "prism.yaml"), { force: true }) : rmSync(dir, { recursive: true, force: true });
  const configFile = join(dir, "prism.yaml");
  writeFileSync(configFile, stringify({ listen: "127.0.0.1:0", ...options.config }));
  for (const [path, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const configArgs = options.noConfig ? ["--listen", "127.0.0.1:0"] : ["--config", configFile];
  const child = spawn(options.node ?? process.execPath, [options.bin ?? proxyBinPath, ...configArgs, ...(options.args ?? [])], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const logs: ProxyLogRecord[] = [];
  const waiters = new Set<{ predicate: (r: ProxyLogRecord) => boolean; resolve: (r: ProxyLogRecord) => void }>();
  const rawLines: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => {
    rawLines.push(line);
    let record: ProxyLogRecord;
    try {
      record = JSON.parse(line) as ProxyLogRecord;
    } catch {
      record = { msg: line, level: "raw" };
    }
    logs.push(record);
    for (const waiter of waiters) {
      if (waiter.predicate(record)) {
        waiters.delete(waiter);
        waiter.resolve(record);
      }
    }
  });
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const waitForLog = (predicate: (record: ProxyLogRecord) => boolean, timeoutMs = 15_000) => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<ProxyLogRecord>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (r: ProxyLogRecord) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching proxy log line within ${timeoutMs} ms; last lines:\n${rawLines.slice(-10).join("\n")}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  const listening = waitForLog(
    (r) => typeof r.address === "string" && r.msg.includes("listening on") && r.component === "proxy" && r.source === undefined,
    options.startTimeoutMs ?? 30_000,
  );
  const early = exited.then((code) => {
    throw new Error(`prism-proxy exited with code ${code} before listening:\n${rawLines.join("\n")}`);
  });
  let record: ProxyLogRecord;
  try {
    record = await Promise.race([listening, early]);
  } catch (error) {
    child.kill("SIGKILL");
    cleanUp();
    throw error;
  }
  early.catch(() => {});
  return {
    child,
    url: `http://${record.address as string}`,
    logs,
    configFile,
    waitForLog,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        const code = await exited;
        clearTimeout(killer);
        cleanUp();
        return code;
      }
      cleanUp();
      return child.exitCode;
    },
  };
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
