// The result table: one row per (target, op), numbers right-aligned, and the first error messages
// of any row that had errors printed under it.

const columns = [
  { title: "target", value: (r) => r.target, align: "left" },
  { title: "op", value: (r) => r.op, align: "left" },
  { title: "ops/s", value: (r) => Math.round(r.opsPerSec).toLocaleString("en-US"), align: "right" },
  { title: "p50 ms", value: (r) => fixed(r.p50), align: "right" },
  { title: "p99 ms", value: (r) => fixed(r.p99), align: "right" },
  { title: "errors", value: (r) => String(r.errors), align: "right" },
];

function fixed(ms) {
  return Number.isNaN(ms) ? "-" : ms.toFixed(ms < 1 ? 3 : 2);
}

/** Formats rows ({ target, op, opsPerSec, p50, p99, errors, errorSamples }) as a text table. */
export function formatTable(rows) {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.map((line) => line[i].length)));
  const render = (line) =>
    line.map((cell, i) => (columns[i].align === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
  const lines = [render(columns.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(render)];
  for (const row of rows) {
    for (const message of row.errorSamples ?? []) lines.push(`! ${row.target} ${row.op}: ${message}`);
  }
  return lines.join("\n");
}
