// ProgressLine: one status line on a terminal's stderr ("scanned 3 pages, 250 keys…"), redrawn in place, throttled,
// moved out of the way of lines written to the same terminal, and erased at the end.

/** Where a progress line is drawn (process.stderr, or a fake in tests). */
export type ProgressStream = { write(text: string): unknown };

/** Least time between two redraws, in milliseconds (the first draw is immediate). */
const redrawIntervalMs = 100;

/** Carriage return and "erase to end of line": the cursor back to column 0 over an empty line. */
const eraseLine = "\r\u001b[K";

/** A status line on a terminal; does nothing when `enabled` is false (stderr is not a terminal). */
export class ProgressLine {
  readonly #stream: ProgressStream;
  readonly #enabled: boolean;
  readonly #now: () => number;
  #text = "";
  #shown = false;
  #drawnAt = Number.NEGATIVE_INFINITY;

  /** Creates the line on `stream`; `now` is the clock in milliseconds. */
  constructor(stream: ProgressStream, enabled: boolean, now: () => number = Date.now) {
    this.#stream = stream;
    this.#enabled = enabled;
    this.#now = now;
  }

  /** Sets the text; redraws when the last draw is old enough (or `force`). */
  update(text: string, force = false): void {
    this.#text = text;
    if (!this.#enabled) return;
    const now = this.#now();
    if (!force && now - this.#drawnAt < redrawIntervalMs) return;
    this.#stream.write(`${eraseLine}${text}`);
    this.#shown = true;
    this.#drawnAt = now;
  }

  /** Erases the line (if shown) so other output can be written on a clean line; the next update draws it again. */
  clear(): void {
    if (!this.#shown) return;
    this.#stream.write(eraseLine);
    this.#shown = false;
  }

  /** The last text set (shown or not). */
  get text(): string {
    return this.#text;
  }
}
