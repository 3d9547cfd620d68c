// throughputChart(): the bench's SVG chart: one horizontal bar per path with its throughput and p99,
// in panels (KeyValue Get at the run's concurrency, KeyValue Get at 1 in flight, PubSub publish→deliver
// to 1 subscriber), the bare node:http2 canned answer (the ceiling) drawn as a dashed line across
// the KeyValue panels; bars far beyond the proxy rows (direct in-process calls) are drawn cut.
// Plain SVG, no fonts or scripts, so GitHub shows it inline.
import { fixed, rate } from "./report.mjs";

const width = 980;
const labelWidth = 470;
const barArea = width - labelWidth - 170;
const barHeight = 18;
const rowGap = 6;
const panelGap = 34;

/** The panels: a title and which rows go in it (in table order). */
const panels = [
  { title: "KeyValue Get, 64 in flight — calls/s", pick: (r) => r.op === "Get", ceiling: "Get" },
  { title: "KeyValue Get, 1 in flight — calls/s", pick: (r) => r.op === "Get ×1 in flight", ceiling: "Get ×1 in flight" },
  {
    title: "PubSub publish → deliver, 1 subscriber — messages/s",
    pick: (r) => r.op.startsWith("pub→sub ×1") && !r.op.startsWith("pub→sub ×100"),
  },
];

const xmlText = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The SVG document for `rows` (bench --json rows) measured on `machine`. */
export function throughputChart(rows, machine) {
  const isCeiling = (r) => r.target.startsWith("ceiling:");
  const parts = [];
  let y = 56;
  for (const panel of panels) {
    const chosen = rows.filter((r) => panel.pick(r) && r.opsPerSec > 0);
    if (chosen.length === 0) continue;
    const ceiling = panel.ceiling && rows.find((r) => isCeiling(r) && r.op === panel.ceiling);
    // Scaled to the proxy rows and the ceiling: a direct in-process call can be 100× faster, and would
    // flatten every other bar; such a bar is drawn cut (off scale) with its number beside it.
    const scaled = chosen.filter((r) => !r.target.startsWith("direct"));
    const max = 1.1 * Math.max(...(scaled.length > 0 ? scaled : chosen).map((r) => r.opsPerSec), ceiling?.opsPerSec ?? 0);
    parts.push(`<text x="10" y="${y}" font-size="14" font-weight="bold">${xmlText(panel.title)}</text>`);
    y += 12;
    const top = y;
    for (const row of chosen) {
      const offScale = row.opsPerSec > max;
      const length = offScale ? barArea : Math.max(1, (row.opsPerSec / max) * barArea);
      const fill = isCeiling(row) ? "#9e9e9e" : row.target.startsWith("direct") ? "#8d6e63" : "#1976d2";
      const label = `${row.target}${row.op.includes(",") ? ` (${row.op.split(", ").slice(1).join(", ")})` : ""}`;
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 13}" font-size="11" text-anchor="end">${xmlText(label)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${fill}"/>`,
        `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 13}" font-size="11">${rate(row.opsPerSec)}/s · p99 ${fixed(row.p99)} ms</text>`,
      );
      if (offScale) {
        const cut = labelWidth + barArea - 30;
        parts.push(
          `<path d="M${cut} ${y + barHeight + 1} l6 ${-barHeight - 2} M${cut + 6} ${y + barHeight + 1} l6 ${-barHeight - 2}" stroke="#ffffff" stroke-width="3"/>`,
        );
      }
      y += barHeight + rowGap;
    }
    if (ceiling) {
      const x = labelWidth + (ceiling.opsPerSec / max) * barArea;
      parts.push(
        `<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${y}" stroke="#d32f2f" stroke-dasharray="4 3"/>`,
        `<text x="${(x - 4).toFixed(1)}" y="${y + 11}" font-size="10" fill="#d32f2f" text-anchor="end">ceiling: bare node:http2 canned answer</text>`,
      );
      y += 14;
    }
    y += panelGap;
  }
  const title = `Prism bench — ${machine.date.slice(0, 10)}, ${machine.cores} cores (${machine.cpu}), Node ${machine.node}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">${xmlText(title)}</text>`,
    `<text x="10" y="40" font-size="11" fill="#555">Blue: through the proxy; brown: straight to the backend (cut bars are off scale); grey: the ceiling. Ratios hold within one run, not across machines.</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
