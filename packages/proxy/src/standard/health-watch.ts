// One open grpc.health.v1 Watch: the status it last sent and the latest one known. Only the latest
// is kept (a slow reader gets the current status, not every flip in between), so it stays small.
import type { HealthCheckResponse_ServingStatus as ServingStatus } from "@prism/proto/grpc/health/v1";
import type { HealthTarget } from "./serving-status.js";

/** The state of one Watch stream between the health poller and the stream's handler. */
export class HealthWatch {
  private sent: ServingStatus;
  private latest: ServingStatus;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    /** What the watched service name stands for (undefined: a service the proxy does not serve). */
    readonly target: HealthTarget | undefined,
    /** The namespace the call asked about (its prism-namespace header), if any. */
    readonly namespace: string | undefined,
    /** The status sent first. */
    first: ServingStatus,
  ) {
    this.sent = first;
    this.latest = first;
  }

  /** The latest status known (sent, or about to be). */
  get current(): ServingStatus {
    return this.latest;
  }

  /** Records the current status; the stream sends it when it differs from the last one sent. */
  update(status: ServingStatus): void {
    if (this.ended) return;
    this.latest = status;
    if (status !== this.sent) this.wakeUp();
  }

  /** Ends the stream once `last` (when given and new) is sent. */
  end(last?: ServingStatus): void {
    if (last !== undefined) this.update(last);
    this.ended = true;
    this.wakeUp();
  }

  /** The next status to send, once it changes; undefined when the stream is to end. */
  async next(): Promise<ServingStatus | undefined> {
    for (;;) {
      if (this.latest !== this.sent) {
        this.sent = this.latest;
        return this.sent;
      }
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
