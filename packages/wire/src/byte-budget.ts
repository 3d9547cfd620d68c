// A budget of bytes shared by every call in flight: request bytes a server buffers are taken from
// it and given back when the call ends, so many large calls at once cannot grow memory without bound.

/**
 * Bytes that may be held at once across calls.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export class ByteBudget {
  private held = 0;

  constructor(
    /** Most bytes held at once. */
    readonly limit: number,
  ) {}

  /** Bytes held now. */
  get used(): number {
    return this.held;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) when they do not. */
  tryTake(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back `bytes` taken earlier. */
  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}
