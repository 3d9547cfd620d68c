// Stream resets (RST_STREAM) a client sends on one HTTP/2 connection, paced to stay under the
// server's rapid-reset protection: a Node server (nghttp2) closes a connection that resets more
// than 1,000 streams in a burst or 33 a second sustained, failing every call on it, and Node 20
// cannot raise that limit. The proxy cancels calls to a pattern this way when its clients go
// away (thousands at once when one client disconnects): resets beyond the budget wait, their
// stream paused, and go out as the budget refills.
import { type ClientHttp2Session, type ClientHttp2Stream, constants } from "node:http2";

/**
 * Resets sent at once before pacing starts, and resets a second after that: below nghttp2's
 * 1,000 and 33, with room for its whole-second refill.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const resetBudget = { burst: 800, perSecond: 25 } as const;

/** One stream waiting for its reset. */
interface PendingReset {
  stream: ClientHttp2Stream;
  code: number;
}

/**
 * A token bucket of resets for one connection, with the resets waiting for a token.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export class ResetPacer {
  private tokens: number;
  private refilledAt: number;
  private readonly waiting: PendingReset[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly budget: { burst: number; perSecond: number } = resetBudget,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = budget.burst;
    this.refilledAt = now();
  }

  /** Resets waiting for the budget. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Resets `stream` with `code` now if the budget allows, else as soon as it does (paused meanwhile). */
  reset(stream: ClientHttp2Stream, code: number): void {
    if (stream.closed || stream.destroyed) return;
    this.refill();
    if (this.waiting.length === 0 && this.tokens >= 1) {
      this.tokens--;
      stream.close(code);
      return;
    }
    stream.pause();
    this.waiting.push({ stream, code });
    this.schedule();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.budget.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.budget.perSecond);
    this.refilledAt = now;
  }

  private schedule(): void {
    if (this.timer || this.waiting.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.ceil(1000 / this.budget.perSecond),
    );
    this.timer.unref();
  }

  /** Sends the waiting resets the budget allows (streams that ended meanwhile need none). */
  drain(): void {
    this.refill();
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as PendingReset;
      if (next.stream.closed || next.stream.destroyed) {
        this.waiting.shift();
        continue;
      }
      if (this.tokens < 1) break;
      this.tokens--;
      this.waiting.shift();
      next.stream.close(next.code);
    }
    this.schedule();
  }
}

const pacers = new WeakMap<ClientHttp2Session, ResetPacer>();

/**
 * Cancels a client stream (RST_STREAM with `code`, CANCEL unless given) within its connection's
 * reset budget; see ResetPacer. Use it for every reset a client sends.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function resetStream(stream: ClientHttp2Stream, code: number = constants.NGHTTP2_CANCEL): void {
  if (stream.closed || stream.destroyed) return;
  const session = stream.session as ClientHttp2Session | undefined;
  if (!session || session.destroyed) {
    stream.close(code);
    return;
  }
  let pacer = pacers.get(session);
  if (!pacer) {
    pacer = new ResetPacer();
    pacers.set(session, pacer);
  }
  pacer.reset(stream, code);
}
