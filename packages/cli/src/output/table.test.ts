// Tests of renderTable: aligned columns, right-aligned numbers, control characters escaped.
import { describe, expect, it } from "vitest";
import { renderTable } from "./table.js";

describe("renderTable", () => {
  it("pads columns to their widest cell and trims line ends", () => {
    const rows = [
      { name: "default", restarts: 0, note: "" },
      { name: "orders", restarts: 12, note: "bad\u001b[2Jline" },
    ];
    expect(
      renderTable(
        [
          { header: "name", cell: (row: (typeof rows)[number]) => row.name },
          { header: "restarts", cell: (row) => row.restarts, alignRight: true },
          { header: "note", cell: (row) => row.note },
        ],
        rows,
      ),
    ).toEqual(["NAME     RESTARTS  NOTE", "default         0", "orders         12  bad\\u001b[2Jline"]);
  });
});
