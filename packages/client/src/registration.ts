// Registration: the handle `register` returns. With keep-alive (the default) it heartbeats by itself
// every third of the TTL until closed or aborted; a heartbeat answered NOT_FOUND (the identity expired,
// say while the process was paused) re-registers once, other failures are retried at the next tick and
// reported to onError. Its timers are unref'd, so a registration never holds a Node process open.
import { Code } from "@connectrpc/connect";
import { NamespaceNotFoundError } from "./errors/error-classes.js";
import { PrismError } from "./errors/prism-error.js";
import { toPrismError } from "./errors/to-prism-error.js";

/** A live registration; `close()` unregisters it. */
export interface Registration {
  /** The registered identity. */
  readonly identity: string;
  /** When it was (last) registered; a re-registration after expiry moves it. */
  readonly registeredAt: Date;
  /** When it expires unless heartbeated; every heartbeat moves it. */
  readonly expiresAt: Date;
  /** True once close() was called or the signal aborted. */
  readonly closed: boolean;
  /** Extends the TTL now (keep-alive does this by itself); resolves with the new expiry. */
  heartbeat(): Promise<Date>;
  /** Stops keep-alive and unregisters the identity; idempotent (later calls return the first call's promise). */
  close(): Promise<void>;
}

/** When a registration was made and when it expires, in Unix milliseconds. */
export type RegistrationTimes = { registeredAtMs: number; expiresAtMs: number };

/** The calls a Registration makes, bound to its identity and call options by the registry client. */
export type RegistrationCalls = {
  /** Registers again with the original metadata and options. */
  register(): Promise<RegistrationTimes>;
  /** Heartbeats; resolves with the new expiry in Unix milliseconds. */
  heartbeat(): Promise<number>;
  /** Unregisters. */
  unregister(): Promise<void>;
};

/** How a Registration keeps itself alive. */
export type KeepAliveOptions = {
  /** Heartbeat by itself (default true). */
  keepAlive: boolean;
  /** Milliseconds between heartbeats; default a third of the TTL the server granted. */
  heartbeatIntervalMs?: number | undefined;
  /** Told about every keep-alive failure (the next tick retries); without it failures are silent. */
  onError?: ((error: PrismError) => void) | undefined;
  /** Closes the registration (unregistering it) when aborted. */
  signal?: AbortSignal | undefined;
};

/** The registration handle behind `register`. */
export class RegistrationHandle implements Registration {
  readonly identity: string;
  readonly #calls: RegistrationCalls;
  readonly #options: KeepAliveOptions;
  #times: RegistrationTimes;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  readonly #onAbort = () => {
    this.close().catch((error: unknown) => this.#report(error));
  };

  /** Wraps a registration just made (`times` from its Register answer) and starts keep-alive. */
  constructor(identity: string, times: RegistrationTimes, calls: RegistrationCalls, options: KeepAliveOptions) {
    this.identity = identity;
    this.#times = times;
    this.#calls = calls;
    this.#options = options;
    if (options.signal?.aborted) {
      this.#onAbort();
      return;
    }
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#schedule();
  }

  get registeredAt(): Date {
    return new Date(this.#times.registeredAtMs);
  }

  get expiresAt(): Date {
    return new Date(this.#times.expiresAtMs);
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  async heartbeat(): Promise<Date> {
    const expiresAtMs = await this.#calls.heartbeat();
    this.#times = { ...this.#times, expiresAtMs };
    return this.expiresAt;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A heartbeat (or re-registration) under way finishes first, so it cannot undo the unregister.
    await this.#tick;
    await this.#calls.unregister();
  }

  /** Milliseconds until the next heartbeat: the configured interval, else a third of the granted TTL. */
  #interval(): number | undefined {
    if (this.#options.heartbeatIntervalMs !== undefined) return Math.max(1, this.#options.heartbeatIntervalMs);
    const ttl = this.#times.expiresAtMs - this.#times.registeredAtMs;
    // An expiry of 0 means the registration never expires: nothing to renew.
    if (this.#times.expiresAtMs === 0 || !(ttl > 0)) return undefined;
    return Math.max(1, Math.floor(ttl / 3));
  }

  #schedule(): void {
    if (!this.#options.keepAlive || this.closed) return;
    const interval = this.#interval();
    if (interval === undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick = this.#beat().finally(() => {
        this.#tick = undefined;
        this.#schedule();
      });
    }, interval);
    // Node: never keep the process alive for a heartbeat (browsers return a number).
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  /** One keep-alive tick; never rejects. */
  async #beat(): Promise<void> {
    try {
      await this.heartbeat();
      return;
    } catch (error) {
      if (this.closed) return;
      if (!isIdentityGone(error)) {
        this.#report(error);
        return;
      }
    }
    // Expired (or removed): register again, once; a failure is retried at the next tick.
    try {
      this.#times = await this.#calls.register();
    } catch (error) {
      if (!this.closed) this.#report(error);
    }
  }

  #report(error: unknown): void {
    const onError = this.#options.onError;
    if (onError === undefined) return;
    try {
      onError(toPrismError(error));
    } catch {
      // A throwing onError must not break keep-alive.
    }
  }
}

/** Whether a heartbeat failed because the identity is no longer registered (not because the namespace is missing). */
function isIdentityGone(error: unknown): boolean {
  return error instanceof PrismError && error.code === Code.NotFound && !(error instanceof NamespaceNotFoundError);
}
