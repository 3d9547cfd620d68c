// A budget of bytes shared by every call in flight: request bytes a server buffers are taken from
// it and given back when the call ends, so many large calls at once cannot grow memory without bound.
// Each client (a peer address) may hold only its share, so one client cannot take the whole budget
// and starve the others.

/**
 * Bytes that may be held at once across calls, and by one client.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export class ByteBudget {
  private held = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    /** Most bytes held at once. */
    readonly limit: number,
    /** Most bytes one client holds at once (default: the whole limit). */
    readonly perClientLimit: number = limit,
  ) {}

  /** Bytes held now. */
  get used(): number {
    return this.held;
  }

  /** Bytes `client` holds now. */
  usedBy(client: string): number {
    return this.byClient.get(client) ?? 0;
  }

  /** Takes `bytes` for `client` if they fit both its share and the whole budget; false (and nothing taken) when they do not. */
  tryTake(bytes: number, client = ""): boolean {
    const own = this.byClient.get(client) ?? 0;
    if (this.held + bytes > this.limit || own + bytes > this.perClientLimit) return false;
    this.held += bytes;
    if (bytes > 0) this.byClient.set(client, own + bytes);
    return true;
  }

  /** Gives back `bytes` that `client` took earlier. */
  give(bytes: number, client = ""): void {
    this.held = Math.max(0, this.held - bytes);
    const own = (this.byClient.get(client) ?? 0) - bytes;
    if (own > 0) this.byClient.set(client, own);
    else this.byClient.delete(client);
  }

  /** Why `bytes` more for `client` do not fit, for the status message. */
  refusal(bytes: number, client = ""): string {
    const own = this.usedBy(client);
    return own + bytes > this.perClientLimit
      ? `this client is buffering ${own} bytes of requests, its share of the server's limit`
      : `the server is buffering ${this.held} bytes of requests, its limit`;
  }
}
