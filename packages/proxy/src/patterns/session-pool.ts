// The proxy's HTTP/2 connections to one pattern process: a few sessions, each call on the least
// loaded one, a new session opened before the busy ones reach the pattern's stream limit, and a
// lost session replaced at once (with backoff while the pattern does not answer). A session the
// pattern sends GOAWAY on takes no new calls and is closed once its calls have ended.
import type { Logger } from "@prism/pattern-sdk";
import type { ClientHttp2Session } from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";

/** Options of a SessionPool. */
export interface SessionPoolOptions {
  /** Opens a session to the pattern, or undefined when it does not answer. */
  connect: () => Promise<ClientHttp2Session | undefined>;
  /** Most sessions kept open. */
  maxSessions: number;
  /** Calls per session before another session is used (below the pattern's stream limit). */
  streamsPerSession: number;
  /**
   * Calls on the least loaded session at which another session is opened (default: half of
   * streamsPerSession). Spreading calls spreads a mass cancellation over several sessions' reset budgets.
   */
  growAt?: number;
  /** Where connection losses are logged. */
  logger: Logger;
  /** Names the pattern in log lines. */
  describe: () => string;
}

interface PooledSession {
  session: ClientHttp2Session;
  active: number;
}

/** A call's hold on a session; release it when the call has ended. */
export interface SessionLease {
  /** The session to use. */
  session: ClientHttp2Session;
  /** Ends the hold (idempotent). */
  release(): void;
}

/** What acquire() answers when no session can take the call. */
export type NoSession = "connecting" | "at-capacity";

/** A small pool of HTTP/2 sessions to one pattern process. */
export class SessionPool {
  private readonly sessions: PooledSession[] = [];
  private opening = false;
  private closed = false;

  constructor(private readonly options: SessionPoolOptions) {}

  /** Opens the first session; resolves false when the pattern did not answer. */
  async open(): Promise<boolean> {
    await this.grow();
    return this.sessions.length > 0;
  }

  /** Calls in flight over every session. */
  get activeCalls(): number {
    let total = 0;
    for (const pooled of this.sessions) total += pooled.active;
    return total;
  }

  /** Takes the least loaded session for one call, or says why none can take it. */
  acquire(): SessionLease | NoSession {
    let best: PooledSession | undefined;
    for (const pooled of this.sessions) {
      if (!best || pooled.active < best.active) best = pooled;
    }
    if (!best) {
      void this.grow();
      return "connecting";
    }
    if (best.active >= (this.options.growAt ?? this.options.streamsPerSession / 2) && this.sessions.length < this.options.maxSessions) {
      void this.grow();
    }
    if (best.active >= this.options.streamsPerSession) return "at-capacity";
    const held = best;
    held.active++;
    let released = false;
    return {
      session: held.session,
      release: () => {
        if (released) return;
        released = true;
        held.active--;
      },
    };
  }

  /** Closes every session; no new ones are opened afterwards. */
  close(): void {
    this.closed = true;
    for (const pooled of this.sessions.splice(0)) pooled.session.destroy();
  }

  private async grow(): Promise<void> {
    if (this.opening || this.closed) return;
    this.opening = true;
    try {
      for (let delay = 10; !this.closed; delay = Math.min(delay * 2, 1000)) {
        const session = await this.options.connect();
        if (session && !this.closed) {
          this.adopt(session);
          return;
        }
        session?.destroy();
        if (this.closed) return;
        await sleep(delay);
      }
    } finally {
      this.opening = false;
    }
  }

  private adopt(session: ClientHttp2Session): void {
    const pooled: PooledSession = { session, active: 0 };
    this.sessions.push(pooled);
    let reason = "";
    session.on("error", (error) => {
      reason = error.message;
    });
    const retire = () => {
      const index = this.sessions.indexOf(pooled);
      if (index >= 0) this.sessions.splice(index, 1);
    };
    session.on("goaway", (code) => {
      reason ||= `the pattern sent GOAWAY (HTTP/2 code ${code})`;
      // No new calls on it; it closes (and frees its socket) once the calls on it have ended.
      retire();
      if (!session.closed) session.close();
      if (!this.closed && this.sessions.length < this.options.maxSessions) void this.grow();
    });
    session.once("close", () => {
      retire();
      if (this.closed) return;
      this.options.logger.warn(
        `connection to pattern ${this.options.describe()} closed${reason ? `: ${reason}` : ""}; ` +
          `${pooled.active} call(s) on it fail UNAVAILABLE; reconnecting`,
      );
      if (this.sessions.length === 0) void this.grow();
    });
  }
}
