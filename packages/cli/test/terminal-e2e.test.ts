// End to end on a terminal (a pseudo-terminal from util-linux `script`): human tables instead of JSON, and
// `kv scan`'s progress line on stderr, redrawn per page and erased at the end, while stdout goes to a file.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrismClient } from "@prism/client";
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPrismctlProcesses, prismctlBin, requireBuiltPrismctl } from "./support/prismctl-process.js";
import { hasScript, runInTerminal } from "./support/run-in-terminal.js";

let proxy: ProxyProcess;

/** Runs prismctl on a terminal against the test proxy (PRISM_URL from the environment). */
const onTerminal = (args: string[]) => runInTerminal([process.execPath, prismctlBin, ...args], { PRISM_URL: proxy.url });

/** Terminal output with CRLF line ends made LF. */
const lines = (output: string) => output.replaceAll("\r\n", "\n");

describe.skipIf(!hasScript)("prismctl on a terminal", () => {
  beforeAll(async () => {
    requireBuiltPrismctl();
    proxy = await startProxyProcess({
      config: { namespaces: { default: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" } } } },
    });
    const client = createPrismClient({ url: proxy.url });
    await client.kv.setMany(Array.from({ length: 250 }, (_, n) => ({ key: `item:${String(n).padStart(3, "0")}`, value: `value ${n}` })));
  });
  afterAll(async () => {
    killPrismctlProcesses();
    await proxy?.stop();
  });

  it("prints tables and plain values, not JSON", async () => {
    const list = await onTerminal(["ns", "list"]);
    expect(list.code).toBe(0);
    expect(lines(list.output)).toBe("NAME     KEYVALUE  PUBSUB    REGISTRY  ACCESS\ndefault  memstore  memstore  -         -\n");

    const health = await onTerminal(["health"]);
    expect(lines(health.output)).toMatch(
      /^prism-proxy .*: HEALTHY, up .*\nNAMESPACE +API +PATTERN +ISOLATION +STATE +RESTARTS +MESSAGE\ndefault +keyvalue +memstore/,
    );

    const value = await onTerminal(["kv", "get", "item:007"]);
    expect(lines(value.output)).toBe("value 7\n");

    const json = await onTerminal(["kv", "get", "item:007", "--json"]);
    expect(JSON.parse(json.output)).toMatchObject({ key: "item:007", value: "value 7" });
  });

  it("shows scan progress on stderr per page and erases it, while the keys go to stdout", async () => {
    const folder = mkdtempSync(join(tmpdir(), "prismctl-scan-"));
    const file = join(folder, "keys.jsonl");
    // stdout to a file (JSON lines), stderr on the terminal: only the progress line shows.
    const result = await runInTerminal(
      ["sh", "-c", `"$0" "$1" kv scan item: --page-size 100 > "$2"`, process.execPath, prismctlBin, file],
      { PRISM_URL: proxy.url },
    );
    expect(result.code).toBe(0);
    const erase = "\r\u001b[K";
    // Drawn when each page is requested (a slow machine may add a redraw in between), and erased at the end.
    const draws = result.output.split(erase);
    expect(draws.at(-1)).toBe("");
    expect(draws.filter((draw) => draw !== "").every((draw) => /^(scanning…|scanned \d+ pages?, \d+ keys?…)$/.test(draw))).toBe(true);
    expect(result.output).toMatch(/scanning….*scanned 1 page, 100 keys….*scanned 2 pages, 200 keys…/s);
    const keys = readFileSync(file, "utf8").trimEnd().split("\n");
    rmSync(folder, { recursive: true, force: true });
    expect(keys).toHaveLength(250);
    expect(JSON.parse(keys[249] ?? "")).toEqual({ key: "item:249" });

    // Both on the terminal: each key line is written on a cleared line.
    const both = await onTerminal(["kv", "scan", "item:", "--page-size", "100", "--limit", "120"]);
    expect(both.output).toContain(`${erase}scanned 1 page, 100 keys…${erase}item:100\r\n`);
    expect(
      lines(both.output)
        .replaceAll(erase, "")
        .replace(/scanning…|scanned [^…]*…/g, ""),
    ).toBe(`${Array.from({ length: 120 }, (_, n) => `item:${String(n).padStart(3, "0")}`).join("\n")}\n`);
  });
});
