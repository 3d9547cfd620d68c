#!/usr/bin/env node
// `pnpm bench`: parses the flags, runs every scenario's cases at a fixed concurrency and prints one
// table. Usage: node scripts/bench/bench.mjs [--seconds N] [--concurrency N] [--warmup N] [--only NAME] [--json]
// (--only: a scenario or target name, exact, else a case-insensitive substring of one; repeat it to
// run several in one run, so their rows compare; --json: print
// { machine, options, rows, failures } as JSON on stdout instead of the table, progress on stderr;
// --report: also write docs/benchmarks.md and its chart docs/benchmarks.svg; --report --from RUN.json:
// write them from a saved --json run without running anything).
// A scenario is { name, targets: string[], open(selectedTargets) → { cases(): AsyncIterable<{target, op, call | run}>, close() } }:
// a case's `call(i)` is run by measure(), or a case measures itself with `run(options)` → a result
// row (as PubSub does), and may carry a `legend` printed under the table; add one by writing a
// *-scenario.mjs file and listing it in `scenarios` below. bench-smoke/ runs every scenario briefly
// in `pnpm test`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ceilingScenario } from "./ceiling-scenario.mjs";
import { kvAuthScenario } from "./kv-auth-scenario.mjs";
import { kvMemstoreScenario } from "./kv-memstore-scenario.mjs";
import { kvOperationsScenario } from "./kv-operations-scenario.mjs";
import { kvRedisScenario } from "./kv-redis-scenario.mjs";
import { measure } from "./measure.mjs";
import { pubsubScaleScenario } from "./pubsub-scale-scenario.mjs";
import { pubsubScenario } from "./pubsub-scenario.mjs";
import { registryScenario } from "./registry-scenario.mjs";
import { scaleOutScenario } from "./scale-out-scenario.mjs";
import { markdownReport } from "./markdown-report.mjs";
import { formatJson, formatTable, machineFacts } from "./report.mjs";
import { throughputChart } from "./throughput-chart.mjs";
import { runSoak } from "./soak.mjs";
import { startupScenario } from "./startup-scenario.mjs";

const scenarios = [
  ceilingScenario,
  kvMemstoreScenario,
  kvAuthScenario,
  kvOperationsScenario,
  kvRedisScenario,
  pubsubScenario,
  pubsubScaleScenario,
  registryScenario,
  scaleOutScenario,
  startupScenario,
];

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "64" },
    warmup: { type: "string", default: "1" },
    only: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
    report: { type: "boolean", default: false },
    from: { type: "string" },
    soak: { type: "boolean", default: false },
    minutes: { type: "string", default: "10" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  const all = scenarios.flatMap((s) => [s.name, ...s.targets.map((t) => `  ${t}`)]);
  console.log(
    `usage: node scripts/bench/bench.mjs [--seconds N] [--concurrency N] [--warmup N] [--only NAME] [--json] [--report [--from RUN.json]] | --soak [--minutes N]\n\n${all.join("\n")}`,
  );
  process.exit(0);
}
const positive = (name, min) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) {
    console.error(`bench: --${name} must be a number >= ${min}, got ${JSON.stringify(values[name])}`);
    process.exit(2);
  }
  return n;
};
if (values.soak) {
  const minutes = positive("minutes", 0.1);
  const interrupted = new AbortController();
  process.once("SIGINT", () => interrupted.abort());
  console.log(
    `Prism soak: ${cpus().length} cores, Node ${process.version}, ${minutes} min of mixed KeyValue and PubSub, in-process and process`,
  );
  const { text, flat } = await runSoak({ minutes, signal: interrupted.signal });
  console.log(`\n${text}`);
  process.exit(flat ? 0 : 1);
}
/** Writes docs/benchmarks.md and docs/benchmarks.svg for one run, and says where. */
function writeReport(run) {
  const docs = fileURLToPath(new URL("../../docs/", import.meta.url));
  mkdirSync(docs, { recursive: true });
  writeFileSync(`${docs}benchmarks.svg`, throughputChart(run.rows, run.machine));
  writeFileSync(`${docs}benchmarks.md`, markdownReport(run, "benchmarks.svg"));
  console.error(`bench: wrote docs/benchmarks.md and docs/benchmarks.svg (${run.rows.length} rows)`);
}
if (values.from !== undefined) {
  if (!values.report) {
    console.error("bench: --from FILE only goes with --report (it rewrites the report from a saved --json run)");
    process.exit(2);
  }
  let run;
  try {
    run = JSON.parse(readFileSync(values.from, "utf8"));
  } catch (error) {
    console.error(`bench: cannot read the run ${values.from}: ${error.message}`);
    process.exit(2);
  }
  if (!Array.isArray(run?.rows) || typeof run?.machine?.date !== "string") {
    console.error(`bench: ${values.from} is not the output of bench --json (no rows or machine.date)`);
    process.exit(2);
  }
  writeReport({ failures: [], ...run });
  process.exit(0);
}
const options = {
  seconds: positive("seconds", 0.1),
  concurrency: Math.floor(positive("concurrency", 1)),
  warmupSeconds: positive("warmup", 0),
};

/** The targets of `scenario` selected by --only (all without it). */
function selectTargets(scenario, only) {
  if (only === undefined || only === scenario.name) return scenario.targets;
  if (scenarios.some((s) => s.targets.includes(only))) return scenario.targets.filter((t) => t === only);
  const needle = only.toLowerCase();
  if (scenario.name.toLowerCase().includes(needle)) return scenario.targets;
  return scenario.targets.filter((t) => t.toLowerCase().includes(needle));
}

/** The targets of `scenario` any --only selects, in the scenario's order. */
function selectAll(scenario, onlies) {
  if (onlies === undefined) return scenario.targets;
  const chosen = new Set(onlies.flatMap((only) => selectTargets(scenario, only)));
  return scenario.targets.filter((t) => chosen.has(t));
}

const plan = scenarios.map((s) => ({ scenario: s, targets: selectAll(s, values.only) })).filter((p) => p.targets.length > 0);
if (plan.length === 0) {
  console.error(`bench: --only ${JSON.stringify(values.only)} matches no scenario or target (see --help)`);
  process.exit(2);
}

// First SIGINT/SIGTERM: stop measuring, clean up, print what was measured. Second: leave now.
const interrupted = new AbortController();
const onSignal = (signal) => {
  if (interrupted.signal.aborted) process.exit(130);
  console.error(`bench: ${signal}, stopping after cleanup (again to exit now)`);
  interrupted.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const machine = machineFacts();
// With --json, stdout carries the JSON document only.
(values.json ? console.error : console.log)(
  `Prism bench: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.date.slice(0, 10)}, ` +
    `${options.concurrency} calls in flight, ${options.seconds} s per case after ${options.warmupSeconds} s warm-up, ` +
    "KeyValue 100-byte values, PubSub 100-byte payloads",
);

const rows = [];
const failures = [];
for (const { scenario, targets } of plan) {
  if (interrupted.signal.aborted) break;
  const session = scenario.open(targets);
  try {
    for await (const { target, op, call, run, legend } of session.cases()) {
      if (interrupted.signal.aborted) break;
      process.stderr.write(`  ${target} ${op} ...\n`);
      const caseOptions = { ...options, signal: interrupted.signal };
      const result = run ? await run(caseOptions) : await measure(call, caseOptions);
      rows.push({ scenario: scenario.name, target, op, ...(legend && { legend }), ...result });
    }
  } catch (error) {
    failures.push({ scenario: scenario.name, error: String(error.stack ?? error) });
    console.error(`bench: scenario ${scenario.name} failed: ${error.stack ?? error}`);
  } finally {
    await session.close();
  }
}

if (values.json) console.log(formatJson({ machine, options, rows, failures }));
else console.log(`\n${formatTable(rows)}`);
if (values.report) writeReport({ machine, options, rows, failures });
if (failures.length > 0 || interrupted.signal.aborted) process.exitCode = 1;
