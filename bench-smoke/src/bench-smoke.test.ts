// The bench smoke test: runs every scenario of scripts/bench/bench.mjs (as listed by its --help)
// for a fraction of a second per case with --json, and asserts only that each ran to the end, that
// every target of the scenario produced rows, and that every row produced results without errors,
// so a change that breaks the bench fails `pnpm test`. No timing is asserted: the numbers of so
// short a run mean nothing. A scenario whose server binary is not on PATH is skipped (and says so).
import { execFile, execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const benchScript = fileURLToPath(new URL("../../scripts/bench/bench.mjs", import.meta.url));
/** The flags of every run: 0.3 s per case, no warm-up. */
const shortRun = ["--json", "--seconds", "0.3", "--warmup", "0"];
/** Server binaries a scenario starts (through @prism/testkit); the others need none. */
const binariesOf: Record<string, string[]> = {
  "kv-redis": ["redis-server"],
  pubsub: ["nats-server"],
  registry: ["redis-server", "nats-server"],
  "scale-out": ["redis-server"],
};

/** One row of `bench.mjs --json`. */
interface BenchRow {
  target: string;
  op: string;
  ops: number;
  opsPerSec?: number;
  rssMiB?: number;
  errors: number;
  errorSamples: string[];
}

/** The document `bench.mjs --json` prints. */
interface BenchJson {
  machine: { cpu: string; cores: number; node: string; date: string };
  rows: BenchRow[];
  failures: { scenario: string; error: string }[];
}

/** The scenarios and their targets, from `bench.mjs --help` (scenario lines, then its targets indented). */
function listScenarios(): Map<string, string[]> {
  const help = execFileSync(process.execPath, [benchScript, "--help"], { encoding: "utf8" });
  const scenarios = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of help.split("\n").slice(1)) {
    if (line.startsWith("  ")) current?.push(line.trim());
    else if (line.trim() !== "") {
      current = [];
      scenarios.set(line.trim(), current);
    }
  }
  return scenarios;
}

/** True when `name` is an executable on PATH. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return dir !== "";
    } catch {
      return false;
    }
  });
}

/** Runs bench.mjs briefly on `scenario`; resolves to its JSON, or rejects with the end of its stderr. */
async function runBench(scenario: string): Promise<BenchJson> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [benchScript, ...shortRun, "--only", scenario], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 80_000,
      killSignal: "SIGINT", // the bench cleans up on SIGINT (its servers and proxies)
    });
    return JSON.parse(stdout) as BenchJson;
  } catch (error) {
    const { stderr, code, signal } = error as { stderr?: string; code?: number; signal?: string };
    throw new Error(`bench --only ${scenario} failed (exit ${code ?? signal}):\n${(stderr ?? String(error)).slice(-4000)}`);
  }
}

const scenarios = listScenarios();

describe("pnpm bench, every scenario briefly", () => {
  it("lists the scenarios, the ceiling and the zero-config startup among them", () => {
    expect([...scenarios.keys()]).toEqual(expect.arrayContaining(["ceiling", "kv-memstore", "kv-redis", "pubsub", "registry", "startup"]));
  });

  for (const [scenario, targets] of scenarios) {
    const missing = (binariesOf[scenario] ?? []).filter((binary) => !onPath(binary));
    it.skipIf(missing.length > 0)(
      `${scenario}: every target produces rows with results and no errors${missing.length > 0 ? ` (skipped: ${missing.join(", ")} not on PATH)` : ""}`,
      async () => {
        const result = await runBench(scenario);
        expect(result.failures).toEqual([]);
        expect(result.machine.cores).toBeGreaterThan(0);
        expect(result.machine.date).toMatch(/^\d{4}-\d\d-\d\dT/);
        for (const target of targets) expect(result.rows.map((row) => row.target)).toContain(target);
        for (const row of result.rows) {
          const where = `${row.target} ${row.op}`;
          expect({ where, errors: row.errors, errorSamples: row.errorSamples }).toEqual({ where, errors: 0, errorSamples: [] });
          expect(row.ops, where).toBeGreaterThan(0);
          if (row.opsPerSec !== undefined) expect(row.opsPerSec, where).toBeGreaterThan(0);
          if (row.rssMiB !== undefined) expect(row.rssMiB, where).toBeGreaterThan(0);
        }
      },
    );
  }
});
