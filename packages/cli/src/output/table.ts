// renderTable: aligned plain-text tables for human output (a header row, columns padded to their widest cell).
import { printable } from "./printable.js";

/** One column of a table. */
export type Column<Row> = {
  /** Header text (shown upper case). */
  header: string;
  /** The cell of `row`. */
  cell: (row: Row) => string | number;
  /** Right-align the column (numbers). */
  alignRight?: boolean;
};

/** Renders `rows` as lines: the header, then one line per row; cells are made printable; no trailing spaces. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string[] {
  const cells = rows.map((row) => columns.map((column) => printable(String(column.cell(row)))));
  const headers = columns.map((column) => column.header.toUpperCase());
  const widths = headers.map((header, index) => Math.max(header.length, ...cells.map((line) => (line[index] ?? "").length)));
  const format = (line: readonly string[]) =>
    line
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.alignRight ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [format(headers), ...cells.map(format)];
}
