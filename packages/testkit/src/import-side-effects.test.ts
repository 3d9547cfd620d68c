// Importing the test kit does nothing by itself: no exit hook, no timer, no process; the first
// started server installs the hook that kills servers left running at exit.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const entry = new URL("../dist/index.js", import.meta.url).href;

/** Runs `body` as an ES module in a fresh Node process and returns what it printed. */
function runModule(body: string): string {
  return execFileSync(process.execPath, ["--input-type=module", "-e", body], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
  }).trim();
}

describe("@prism/testkit import", () => {
  it("adds no exit listener and keeps nothing alive", () => {
    const printed = runModule(`
      process.stdout; process.stderr; // opens the standard pipes before counting
      const before = process.listenerCount("exit");
      const resources = process.getActiveResourcesInfo().length;
      const kit = await import(${JSON.stringify(entry)});
      await new Promise((resolve) => setTimeout(resolve, 20)); // lets file reads of the import settle
      const handles = process.getActiveResourcesInfo().slice(resources);
      console.log(JSON.stringify({ added: process.listenerCount("exit") - before, handles, exports: Object.keys(kit).length }));
    `);
    const result = JSON.parse(printed) as { added: number; handles: string[]; exports: number };
    expect(result.added).toBe(0);
    expect(result.handles).toEqual([]);
    expect(result.exports).toBeGreaterThan(5);
  });

  it("installs the exit hook once a server starts, and kills that server when the process exits", () => {
    const printed = runModule(`
      const { startRedisServer } = await import(${JSON.stringify(entry)});
      const before = process.listenerCount("exit");
      const redis = await startRedisServer();
      console.log(JSON.stringify({ added: process.listenerCount("exit") - before, port: redis.port }));
      process.exit(0);
    `);
    const { added, port } = JSON.parse(printed) as { added: number; port: number };
    expect(added).toBe(1);
    expect(() => execFileSync("redis-cli", ["-p", String(port), "PING"], { stdio: "pipe" })).toThrow();
  });
});
