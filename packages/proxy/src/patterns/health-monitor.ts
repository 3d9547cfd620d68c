// Polls a pattern's health on an interval, keeps the last report, and logs every change of state.
import type { HealthReport, Logger } from "@prism/pattern-sdk";

/** Options of a HealthMonitor. */
export interface HealthMonitorOptions {
  /** Asks the pattern for its health; a rejection counts as UNHEALTHY. */
  check: () => Promise<HealthReport>;
  /** Poll period. */
  intervalMs: number;
  /** Where state changes are logged. */
  logger: Logger;
  /** Names the pattern in log lines. */
  describe: () => string;
}

/** Periodic health polling with change logging. */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** The most recent report. */
  last: HealthReport = { status: "UNHEALTHY", message: "not checked yet" };

  constructor(private readonly options: HealthMonitorOptions) {}

  /** Checks now, then every intervalMs until stop(). */
  start(): void {
    this.stop();
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    let report: HealthReport;
    try {
      report = await this.options.check();
    } catch (error) {
      report = { status: "UNHEALTHY", message: `health check failed: ${(error as Error).message}` };
    } finally {
      this.polling = false;
    }
    if (report.status !== this.last.status) {
      const text = `pattern ${this.options.describe()} is ${report.status}${report.message ? `: ${report.message}` : ""}`;
      if (report.status === "HEALTHY") this.options.logger.info(text, { details: report.details });
      else this.options.logger.warn(text, { details: report.details });
    }
    this.last = report;
  }
}
