// measureInterleaved(): measures several targets in alternating one-second slices (A B C, then C B
// A, …) instead of one after the other, so that a machine that speeds up or slows down during the
// run (other tenants, thermal limits) shifts every target alike: for comparisons of a few percent.
import { measure } from "./measure.mjs";

/** The median of a list of numbers (NaN when empty). */
function median(values) {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * Measures each of `calls` (name → call) for `seconds` in total, in slices of one second, after
 * one warm-up each. Throughput is calls over measured time across slices; p50 and p99 are the
 * medians of the slices' percentiles.
 */
export async function measureInterleaved(calls, { concurrency, seconds, warmupSeconds, signal }) {
  const names = Object.keys(calls);
  const slices = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await measure(calls[name], { concurrency, seconds: 0, warmupSeconds, signal });
  const rounds = Math.max(1, Math.round(seconds));
  for (let round = 0; round < rounds && !signal?.aborted; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) slices[name].push(await measure(calls[name], { concurrency, seconds: 1, warmupSeconds: 0.1, signal }));
  }
  return Object.fromEntries(
    names.map((name) => {
      const parts = slices[name];
      const ops = parts.reduce((sum, part) => sum + part.ops, 0);
      const measured = parts.reduce((sum, part) => sum + part.seconds, 0);
      return [
        name,
        {
          ops,
          seconds: measured,
          opsPerSec: measured > 0 ? ops / measured : 0,
          p50: median(parts.map((part) => part.p50)),
          p99: median(parts.map((part) => part.p99)),
          errors: parts.reduce((sum, part) => sum + part.errors, 0),
          errorSamples: [...new Set(parts.flatMap((part) => part.errorSamples))].slice(0, 3),
        },
      ];
    }),
  );
}
