// Http2SessionPool: the HTTP/2 sessions of the lean gRPC transport to one origin. Calls go to the
// least busy session; another one is opened when all are busy (a few, to spread heavy concurrency)
// or at the server's maxConcurrentStreams (as many as that takes); a
// session that got GOAWAY, failed or closed is dropped (its running streams finish or fail on it)
// and the next call opens a new one. Idle sessions are unref'd, so they never hold the process
// open, and closed after an idle timeout.
import { type ClientHttp2Session, type ClientHttp2Stream, type ClientSessionOptions, connect, type OutgoingHttpHeaders } from "node:http2";

/** Streams a session is given before the server's SETTINGS tell its limit (RFC 9113 recommends at least 100). */
const assumedStreamLimit = 100;

/**
 * Streams in flight on every session at which another session is opened (up to spreadSessions), though
 * the server's limit is not reached: one Node HTTP/2 connection carrying many concurrent calls is
 * markedly slower than a few carrying them together (measured: ~60 % vs ~100 % of the bench's lean load
 * generator, which uses 4 connections, at 64 in flight).
 */
const spreadAtStreams = 16;

/** Sessions opened to spread load; beyond them a session is added only when all are at the server's limit. */
const spreadSessions = 4;

/** How long a session without calls stays open, by default. */
export const defaultIdleTimeoutMs = 60_000;

/** Options of an Http2SessionPool. */
export type Http2SessionPoolOptions = {
  /** Milliseconds a session without calls stays open (default 60000). */
  idleTimeoutMs?: number;
  /** Options for node:http2 connect (TLS, settings, …). */
  sessionOptions?: ClientSessionOptions;
};

/** One pooled session and its bookkeeping. */
class PooledSession {
  /** Streams open on it. */
  active = 0;
  /** When it last became idle (Date.now()). */
  idleSince = 0;
  /** The idle timer, armed while the session is idle. */
  timer: NodeJS.Timeout | undefined;

  constructor(readonly session: ClientHttp2Session) {}

  /** Streams the server lets this session have open at once. */
  get limit(): number {
    const limit = this.session.remoteSettings.maxConcurrentStreams;
    return this.session.connecting || limit === undefined ? assumedStreamLimit : limit;
  }
}

/** HTTP/2 sessions to one origin, opened on demand and shared by calls. */
export class Http2SessionPool {
  private readonly sessions: PooledSession[] = [];
  private readonly idleTimeoutMs: number;
  private closed = false;

  constructor(
    private readonly origin: string,
    private readonly options: Http2SessionPoolOptions = {},
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  }

  /** Sessions in use (open and not told to go away). */
  get size(): number {
    return this.sessions.length;
  }

  /**
   * Opens a stream with `headers` on a session with a free stream slot (opening a session when none
   * has one); throws when no session can take the stream.
   */
  request(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    if (this.closed) throw new Error("the transport is closed");
    let pooled = this.pick();
    let stream: ClientHttp2Stream;
    try {
      stream = pooled.session.request(headers);
    } catch {
      // The session died under us (GOAWAY or close not yet seen): drop it and try once on a fresh one.
      this.drop(pooled);
      pooled = this.open();
      stream = pooled.session.request(headers);
    }
    if (pooled.active++ === 0) this.busy(pooled);
    stream.on("close", () => {
      if (--pooled.active === 0) this.idle(pooled);
    });
    return stream;
  }

  /** Closes every session: running calls finish, no new ones start. */
  close(): Promise<void> {
    this.closed = true;
    const closing = this.sessions.splice(0).map(
      (pooled) =>
        new Promise<void>((resolve) => {
          if (pooled.timer) clearTimeout(pooled.timer);
          if (pooled.session.closed) resolve();
          else pooled.session.close(() => resolve());
        }),
    );
    return Promise.all(closing).then(() => undefined);
  }

  /**
   * The usable session with the fewest streams below its limit; a new one when every session is at its
   * limit, or when the least busy has spreadAtStreams streams and there are fewer than spreadSessions.
   */
  private pick(): PooledSession {
    let best: PooledSession | undefined;
    for (const pooled of this.sessions) {
      if (pooled.session.closed || pooled.session.destroyed) {
        this.drop(pooled);
        return this.pick();
      }
      if (pooled.active < pooled.limit && (best === undefined || pooled.active < best.active)) best = pooled;
    }
    if (best === undefined || (best.active >= spreadAtStreams && this.sessions.length < spreadSessions)) return this.open();
    return best;
  }

  /** Opens a session and watches it for GOAWAY, errors and close. */
  private open(): PooledSession {
    const session = connect(this.origin, this.options.sessionOptions);
    const pooled = new PooledSession(session);
    const drop = () => this.drop(pooled);
    // Errors reach the calls through their streams; the session only leaves the pool.
    session.on("error", drop);
    session.once("goaway", drop);
    session.once("close", drop);
    this.sessions.push(pooled);
    return pooled;
  }

  /** Takes a session out of the pool (new calls go elsewhere); it closes once its streams are done. */
  private drop(pooled: PooledSession): void {
    const index = this.sessions.indexOf(pooled);
    if (index >= 0) this.sessions.splice(index, 1);
    if (pooled.timer) clearTimeout(pooled.timer);
    pooled.timer = undefined;
    if (!pooled.session.closed && !pooled.session.destroyed) pooled.session.close();
  }

  /** The first stream of an idle session: hold the process open while calls run. */
  private busy(pooled: PooledSession): void {
    pooled.session.ref();
  }

  /** The last stream ended: let the process exit, and close the session if it stays idle. */
  private idle(pooled: PooledSession): void {
    if (pooled.session.destroyed) return;
    pooled.session.unref();
    pooled.idleSince = Date.now();
    if (pooled.timer === undefined && this.sessions.includes(pooled)) this.armIdleTimer(pooled, this.idleTimeoutMs);
  }

  /** Closes the session after `delayMs` unless calls ran meanwhile (then waits for the rest of its idle time). */
  private armIdleTimer(pooled: PooledSession, delayMs: number): void {
    pooled.timer = setTimeout(() => {
      pooled.timer = undefined;
      if (pooled.active > 0) return;
      const idleFor = Date.now() - pooled.idleSince;
      if (idleFor >= this.idleTimeoutMs) this.drop(pooled);
      else this.armIdleTimer(pooled, this.idleTimeoutMs - idleFor);
    }, delayMs);
    pooled.timer.unref();
  }
}
