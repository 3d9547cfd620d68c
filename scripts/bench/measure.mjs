// measure(): runs an async call function at a fixed concurrency, for a warm-up and then a measured
// window, and returns throughput, latency percentiles and errors. Only successful calls count
// towards ops and latency; every failure (warm-up included) is counted and a few messages kept.

/** Growable Float64Array of latencies in milliseconds. */
export class Samples {
  constructor(initial = 1 << 16) {
    this.values = new Float64Array(initial);
    this.length = 0;
  }
  push(value) {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }
  /** Sorted copy of the samples. */
  sorted() {
    return this.values.slice(0, this.length).sort();
  }
}

/** Nearest-rank percentile (0 < p <= 100) of an ascending array; NaN when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Calls `call(i)` (i = a running call number) with `concurrency` calls in flight.
 * Workers check the clock themselves, so calls that never yield to the event loop are fine.
 * @param {(i: number) => Promise<unknown>} call
 * @param {{ concurrency: number, seconds: number, warmupSeconds: number, signal?: AbortSignal }} options
 * @returns {Promise<{ ops: number, seconds: number, opsPerSec: number, p50: number, p99: number, errors: number, errorSamples: string[] }>}
 */
export async function measure(call, { concurrency, seconds, warmupSeconds, signal }) {
  const samples = new Samples();
  const errorSamples = new Set();
  let errors = 0;
  let next = 0;
  const startAt = performance.now();
  const measureFrom = startAt + warmupSeconds * 1000;
  const measureUntil = measureFrom + seconds * 1000;

  const worker = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= measureUntil || signal?.aborted) return;
      try {
        await call(next++);
        const t1 = performance.now();
        // Throughput = completions inside the window; their latencies are the samples.
        if (t1 >= measureFrom && t1 <= measureUntil) samples.push(t1 - t0);
      } catch (error) {
        errors++;
        if (errorSamples.size < 3) errorSamples.add(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  const measuredSeconds = (Math.min(performance.now(), measureUntil) - measureFrom) / 1000;
  const sorted = samples.sorted();
  return {
    ops: sorted.length,
    seconds: measuredSeconds,
    opsPerSec: measuredSeconds > 0 ? sorted.length / measuredSeconds : 0,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors,
    errorSamples: [...errorSamples],
  };
}
