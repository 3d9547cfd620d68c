// startNatsServer: starts a nats-server, kills it like a crash, restarts it on the same port and
// store, and stops it leaving no process and no store directory behind.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { firstReplyStartsWith } from "./first-reply-starts-with.js";
import { startNatsServer } from "./start-nats-server.js";

/** Pids of running nats-server processes started with `storeDir` (so only this test's). */
function natsServersWith(storeDir: string): number[] {
  const table = execFileSync("ps", ["-A", "-o", "pid=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .filter((line) => line.includes("nats-server") && line.includes(storeDir))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** Asserts whether this test's nats-server (the one using `storeDir`) runs and greets on `port`. */
async function expectRunning(port: number, storeDir: string, running: boolean): Promise<void> {
  expect(await firstReplyStartsWith(port, "INFO ")).toBe(running);
  expect(natsServersWith(storeDir)).toHaveLength(running ? 1 : 0);
}

describe("startNatsServer", () => {
  it("starts, is killed, restarts on the same port and stops without leftovers", async () => {
    const server = await startNatsServer();
    const { port, storeDir } = server;
    expect(server.url).toBe(`nats://127.0.0.1:${port}`);
    expect(existsSync(storeDir)).toBe(true);
    await expectRunning(port, storeDir, true);

    await server.kill();
    await expectRunning(port, storeDir, false);
    expect(existsSync(storeDir)).toBe(true);

    await server.restart();
    expect(server.port).toBe(port);
    await expectRunning(port, storeDir, true);

    await server.stop();
    await expectRunning(port, storeDir, false);
    expect(existsSync(storeDir)).toBe(false);
  });
});
