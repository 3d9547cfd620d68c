// The result table: one row per (target, op), numbers right-aligned, a legend of the PubSub columns
// when there are PubSub rows (and any row's own legend), and the first error messages of any row
// that had errors under it. Or, for --json, the rows as one JSON document with the machine's facts.
import { cpus, totalmem } from "node:os";

/** The table's columns: title, the cell of a row, alignment (the Markdown report uses them too). */
export const columns = [
  { title: "target", value: (r) => r.target, align: "left" },
  { title: "op", value: (r) => r.op, align: "left" },
  { title: "ops/s", value: (r) => (r.opsPerSec === undefined ? "-" : rate(r.opsPerSec)), align: "right" },
  { title: "delivered/s", value: (r) => (r.deliveredPerSec === undefined ? "-" : rate(r.deliveredPerSec)), align: "right" },
  { title: "p50 ms", value: (r) => fixed(r.p50), align: "right" },
  { title: "p99 ms", value: (r) => fixed(r.p99), align: "right" },
  { title: "RSS MiB", value: (r) => (r.rssMiB === undefined ? "-" : r.rssMiB.toFixed(1)), align: "right" },
  { title: "errors", value: (r) => String(r.errors), align: "right" },
];

const pubsubLegend =
  "PubSub rows: ops/s = messages published, delivered/s = deliveries summed over subscribers, " +
  "p50/p99 = publish→deliver latency, errors = failed publishes + deliveries lost";

/** A rate as a whole number with thousands separators. */
export function rate(perSecond) {
  return Math.round(perSecond).toLocaleString("en-US");
}

/** Milliseconds with 3 decimals below 1 ms, else 2; "-" when not measured. */
export function fixed(ms) {
  return ms === null || ms === undefined || Number.isNaN(ms) ? "-" : ms.toFixed(ms < 1 ? 3 : 2);
}

/** Formats rows ({ target, op, opsPerSec?, deliveredPerSec?, p50, p99, rssMiB?, legend?, errors, errorSamples }) as a text table. */
export function formatTable(rows) {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.map((line) => line[i].length)));
  const render = (line) =>
    line.map((cell, i) => (columns[i].align === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
  const lines = [render(columns.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(render)];
  return [...lines, ...tableNotes(rows)].join("\n");
}

/** The lines under a table of `rows`: the PubSub legend when there are PubSub rows, each row's own legend, error samples. */
export function tableNotes(rows) {
  const notes = [];
  if (rows.some((row) => row.deliveredPerSec !== undefined)) notes.push(pubsubLegend);
  for (const legend of new Set(rows.map((row) => row.legend).filter(Boolean))) notes.push(legend);
  for (const row of rows) {
    for (const message of row.errorSamples ?? []) notes.push(`! ${row.target} ${row.op}: ${message}`);
  }
  return notes;
}

/** The machine the numbers were taken on, and when: CPU model, cores, memory, OS, Node version, date. */
export function machineFacts() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown CPU",
    cores: cpu.length,
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    os: `${process.platform} ${process.arch}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/**
 * The --json output: { machine, options, rows, failures } as indented JSON (NaN latencies become null).
 * `failures` lists the scenarios that failed ({ scenario, error }); rows keep their errorSamples.
 */
export function formatJson({ machine, options, rows, failures }) {
  return JSON.stringify({ machine, options, rows, failures }, null, 2);
}
