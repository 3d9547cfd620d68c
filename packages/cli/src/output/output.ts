// Output: where a command writes its results: JSON (one document, or JSON lines for streams) when piped or with
// --json, human text and tables on a terminal (or with --no-json); notices go to stderr either way.
import { type Column, renderTable } from "./table.js";

/** How results are written. */
export type OutputMode = "json" | "human";

/** The writer a command gets. */
export interface Output {
  /** "json" when piped or with --json, "human" on a terminal or with --no-json. */
  readonly mode: OutputMode;
  /** Whether stdout is a terminal. */
  readonly stdoutIsTty: boolean;
  /** Whether stderr is a terminal (progress lines go there). */
  readonly stderrIsTty: boolean;
  /** Writes one JSON document, indented. */
  json(document: unknown): void;
  /** Writes one compact JSON line (streams: scan, subscribe). */
  jsonLine(document: unknown): void;
  /** Writes one line of human text. */
  line(text: string): void;
  /** Writes a table of `rows`. */
  table<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): void;
  /** Writes bytes to stdout exactly as they are. */
  raw(bytes: Uint8Array): void;
  /** Writes a line to stderr (status, hints). */
  notice(text: string): void;
}

/** Picks the mode: --json / --no-json win; otherwise JSON unless stdout is a terminal. */
export function outputModeOf(json: boolean | undefined, stdoutIsTty: boolean): OutputMode {
  if (json !== undefined) return json ? "json" : "human";
  return stdoutIsTty ? "human" : "json";
}

/** Creates the Output of this process for `--json` (undefined when neither --json nor --no-json was given). */
export function createOutput(json: boolean | undefined): Output {
  const stdoutIsTty = process.stdout.isTTY === true;
  const write = (text: string) => process.stdout.write(text);
  return {
    mode: outputModeOf(json, stdoutIsTty),
    stdoutIsTty,
    stderrIsTty: process.stderr.isTTY === true,
    json: (document) => write(`${JSON.stringify(document, null, 2)}\n`),
    jsonLine: (document) => write(`${JSON.stringify(document)}\n`),
    line: (text) => write(`${text}\n`),
    table: (columns, rows) => write(`${renderTable(columns, rows).join("\n")}\n`),
    raw: (bytes) => process.stdout.write(bytes),
    notice: (text) => process.stderr.write(`${text}\n`),
  };
}
