// CallCancellation: the context a handler gets, with an abort signal made only when asked for.
import type { CallContext, CallerIdentity } from "./service-handlers.js";

/**
 * The call context's abort signal, made only when a handler asks for it: unary KeyValue handlers
 * never do, and an AbortController per call is measurable on the hot path.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export class CallCancellation implements CallContext {
  private controller: AbortController | undefined;

  constructor(
    /** The caller, when the proxy authenticated the call. */
    readonly identity: CallerIdentity | undefined,
    /** The W3C trace context the call came with (traceparent), when any. */
    readonly traceparent?: string | undefined,
  ) {}

  private reason: unknown;
  /** Whether the call was aborted (caller gone or deadline passed). */
  aborted = false;

  /** Aborts the call with `reason`. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  /** Why the call was aborted. */
  get abortReason(): unknown {
    return this.reason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}
