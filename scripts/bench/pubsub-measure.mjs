// measurePubSub(): publishes at a fixed concurrency for a warm-up and a measured window while the
// subscribers (already subscribed) report each delivery to a DeliveryRecorder; then waits, bounded,
// for deliveries still in flight. Reports published/s, delivered/s (deliveries that arrived inside
// the window, summed over subscribers), publish→deliver latency percentiles over the messages sent
// inside the window, and errors = failed publishes (warm-up included) + deliveries lost (messages
// sent inside the window that some subscriber never got).
import { setTimeout as sleep } from "node:timers/promises";
import { percentile, Samples } from "./measure.mjs";
import { sentAtOf } from "./pubsub-workload.mjs";

/** Longest wait for in-flight deliveries after publishing stops, in milliseconds. */
const DRAIN_MS = 5000;
/** The wait also ends when nothing arrived for this long (the rest is lost), in milliseconds. */
const QUIET_MS = 1000;

/** What the subscribers of one case report to: every delivery, and any subscription that failed. */
export class DeliveryRecorder {
  constructor() {
    /** The measured window [from, until) in performance.now() ms; set by measurePubSub. */
    this.from = Number.POSITIVE_INFINITY;
    this.until = Number.POSITIVE_INFINITY;
    /** Latencies of deliveries of messages sent inside the window. */
    this.samples = new Samples();
    /** Deliveries (of any message) that arrived inside the window. */
    this.arrivedInWindow = 0;
    /** performance.now() of the last delivery. */
    this.lastArrival = 0;
    /** A few distinct subscription failures. */
    this.failures = new Set();
  }

  /** One subscriber got `payload`. */
  deliver(payload) {
    const now = performance.now();
    this.lastArrival = now;
    if (now >= this.from && now < this.until) this.arrivedInWindow++;
    const sentAt = sentAtOf(payload);
    if (sentAt >= this.from && sentAt < this.until) this.samples.push(now - sentAt);
  }

  /** A subscription failed or ended early (`message` says how); its missing deliveries count as lost. */
  fail(message) {
    if (this.failures.size < 3) this.failures.add(message);
  }
}

/**
 * Calls `publish(seq, sentAt)` with `concurrency` publishes in flight; `subscribers` subscribers
 * report to `recorder`, each expected to get every message.
 * @param {(seq: number, sentAt: number) => Promise<unknown>} publish
 * @param {DeliveryRecorder} recorder
 * @param {{ subscribers: number, concurrency: number, seconds: number, warmupSeconds: number, signal?: AbortSignal }} options
 */
export async function measurePubSub(publish, recorder, { subscribers, concurrency, seconds, warmupSeconds, signal }) {
  const errorSamples = new Set();
  let publishErrors = 0;
  let published = 0;
  let seq = 0;
  const startAt = performance.now();
  recorder.from = startAt + warmupSeconds * 1000;
  recorder.until = recorder.from + seconds * 1000;
  let cpuFrom; // { usage, at } when the window's first publish started

  const worker = async () => {
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= recorder.until || signal?.aborted) return;
      if (sentAt >= recorder.from) cpuFrom ??= { usage: process.cpuUsage(), at: sentAt };
      try {
        await publish(seq++, sentAt);
        if (sentAt >= recorder.from) published++;
      } catch (error) {
        publishErrors++;
        if (errorSamples.size < 3) errorSamples.add(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const publishedUntil = performance.now();
  const cpu = cpuFrom && { usage: process.cpuUsage(cpuFrom.usage), ms: publishedUntil - cpuFrom.at };
  const measuredSeconds = Math.max(0, Math.min(publishedUntil, recorder.until) - recorder.from) / 1000;
  // An interrupted run stops the window early: messages sent after it are not counted anywhere.
  recorder.until = Math.min(recorder.until, publishedUntil);

  // Wait for what is still on its way: until all arrived, nothing arrived for QUIET_MS, or DRAIN_MS.
  const expected = published * subscribers;
  while (recorder.samples.length < expected && !signal?.aborted) {
    const now = performance.now();
    if (now - publishedUntil >= DRAIN_MS || now - Math.max(recorder.lastArrival, publishedUntil) >= QUIET_MS) break;
    await sleep(10);
  }
  const drainedMs = performance.now() - publishedUntil;

  const sorted = recorder.samples.sorted();
  // Interrupted: what was still on its way was not waited for, so it is not counted as lost.
  const interrupted = signal?.aborted ?? false;
  const lost = interrupted ? 0 : Math.max(0, expected - sorted.length);
  if (interrupted && sorted.length < expected) {
    errorSamples.add(`interrupted: ${(expected - sorted.length).toLocaleString("en-US")} deliveries not waited for (not counted)`);
  }
  if (lost > 0) {
    errorSamples.add(
      `${lost.toLocaleString("en-US")} of ${expected.toLocaleString("en-US")} deliveries lost ` +
        `(not delivered ${(drainedMs / 1000).toFixed(1)} s after publishing stopped)`,
    );
  }
  for (const failure of recorder.failures) errorSamples.add(failure);
  if (cpu && cpu.ms > 0) {
    // Tells whether the client side (publishers and subscribers in this process) could be the limit.
    const busy = (cpu.usage.user + cpu.usage.system) / 1000 / cpu.ms;
    process.stderr.write(`    bench process CPU during the window: ${Math.round(busy * 100)}% of one core\n`);
  }
  return {
    ops: published,
    seconds: measuredSeconds,
    opsPerSec: measuredSeconds > 0 ? published / measuredSeconds : 0,
    deliveredPerSec: measuredSeconds > 0 ? recorder.arrivedInWindow / measuredSeconds : 0,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: publishErrors + lost,
    errorSamples: [...errorSamples],
  };
}
