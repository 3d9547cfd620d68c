// Fairness on the process hop: calls in flight to process-isolated patterns, counted per client
// address, so one client cannot take a pattern's whole capacity (its session pool) from the others.

/** Per-client in-flight call counts with a bound. */
export class ClientCalls {
  private readonly inFlight = new Map<string, number>();

  constructor(
    /** Calls one client address may have in flight at once. */
    readonly maxPerClient: number,
  ) {}

  /** Counts one call of `client`; false (nothing counted) when it is at its bound. */
  tryAcquire(client: string): boolean {
    const now = this.inFlight.get(client) ?? 0;
    if (now >= this.maxPerClient) return false;
    this.inFlight.set(client, now + 1);
    return true;
  }

  /** Ends one call of `client`. */
  release(client: string): void {
    const left = (this.inFlight.get(client) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(client);
    else this.inFlight.set(client, left);
  }

  /** Calls `client` has in flight. */
  of(client: string): number {
    return this.inFlight.get(client) ?? 0;
  }
}
