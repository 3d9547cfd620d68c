// Admission of client connections: at most `maxConnections` open at once, and at most
// `maxConnectionsPerClient` from one address. A connection past either bound is closed at once and
// the refusal logged (rate-limited), so one client cannot take every file descriptor.
import type { Socket } from "node:net";
import type { RateLimitedWarnings } from "./rate-limited-warnings.js";

/** The two connection bounds. */
export interface ConnectionBounds {
  /** Connections open at once. */
  maxConnections: number;
  /** Connections open at once from one client address. */
  maxConnectionsPerClient: number;
}

/** Counts open connections in total and per client address. */
export class ConnectionLimits {
  private total = 0;
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly bounds: ConnectionBounds,
    private readonly warnings: RateLimitedWarnings,
  ) {}

  /** Connections open now. */
  get open(): number {
    return this.total;
  }

  /** Admits `socket` (counted until it closes) or destroys it; returns whether it was admitted. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? "unknown";
    const fromClient = this.perClient.get(address) ?? 0;
    if (this.total >= this.bounds.maxConnections) {
      this.refuse(socket, "limit", `refused a connection from ${address}: ${this.total} connections are open, overload.maxConnections`);
      return false;
    }
    if (fromClient >= this.bounds.maxConnectionsPerClient) {
      this.refuse(socket, address, `refused a connection from ${address}: it has ${fromClient} open, overload.maxConnectionsPerClient`);
      return false;
    }
    this.total++;
    this.perClient.set(address, fromClient + 1);
    socket.once("close", () => {
      this.total--;
      const left = (this.perClient.get(address) ?? 1) - 1;
      if (left === 0) this.perClient.delete(address);
      else this.perClient.set(address, left);
    });
    return true;
  }

  private refuse(socket: Socket, kind: string, message: string): void {
    socket.destroy();
    this.warnings.warn(kind, () => message);
  }
}
