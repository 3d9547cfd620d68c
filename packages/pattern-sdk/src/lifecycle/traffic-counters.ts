// Counters the SDK keeps of a pattern's traffic whatever its backend: PubSub deliveries,
// redeliveries and acks, multicast outcomes. The host reports them in its health details, which is
// how the proxy exports them as metrics for process and in-process patterns alike.

/** Outcomes of one multicast target, as the registry reports them. */
export type MulticastOutcome = "DELIVERED" | "NOT_LISTENING" | "TIMEOUT" | "FAILED";

/** Running totals since the pattern started. */
export class TrafficCounters {
  /** PubSub messages handed to subscribers (redeliveries included). */
  delivered = 0;
  /** Of those, deliveries with an attempt above 1. */
  redelivered = 0;
  /** Messages acknowledged by subscribers. */
  acked = 0;
  /** Multicast targets by outcome. */
  readonly multicast: Record<MulticastOutcome, number> = { DELIVERED: 0, NOT_LISTENING: 0, TIMEOUT: 0, FAILED: 0 };

  /** The PubSub counters as health details. */
  pubsubDetails(): Record<string, number> {
    return { delivered: this.delivered, redelivered: this.redelivered, acked: this.acked };
  }

  /** The multicast counters as health details (`multicast_delivered`, …). */
  multicastDetails(): Record<string, number> {
    const details: Record<string, number> = {};
    for (const [outcome, count] of Object.entries(this.multicast)) details[`multicast_${outcome.toLowerCase()}`] = count;
    return details;
  }
}
