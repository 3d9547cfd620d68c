// Runs the fleet against the real proxy (zero config: the registry on memstore): three device
// processes register and listen; the controller finds the two matching a filter and multicasts a
// command that exactly those two print; a device that stops leaves the registry (presence).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startProxyProcess, type ProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

const deviceBin = fileURLToPath(new URL("../dist/device.js", import.meta.url));
const controllerBin = fileURLToPath(new URL("../dist/controller.js", import.meta.url));
let proxy: ProxyProcess;

beforeAll(async () => {
  proxy = await startProxyProcess({});
});
afterAll(() => proxy?.stop());

/** Starts a device process; `waitFor(text)` resolves once it printed a line containing text. */
function startDevice(args: string[]) {
  const child = spawn(process.execPath, [deviceBin, ...args, "--url", proxy.url], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiters: { match: string; resolve: () => void }[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => line.includes(w.match))) waiter.resolve();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const waitFor = (match: string) =>
    lines.some((line) => line.includes(match))
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waiters.push({ match, resolve })),
          exited.then((code) => {
            throw new Error(`device exited (${code}) before printing "${match}"; it printed:\n${lines.join("\n")}`);
          }),
        ]);
  return { child, lines, waitFor, exited };
}

/** Runs the controller to completion; resolves with its output lines. */
async function controller(args: string[]): Promise<string[]> {
  const child = spawn(process.execPath, [controllerBin, ...args, "--url", proxy.url], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => lines.push(line));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code, lines.join("\n")).toBe(0);
  return lines;
}

it("finds the devices a filter matches, delivers a command to exactly them, and forgets a device that left", async () => {
  const upstairs = startDevice(["--id", "sensor-up", "--type", "sensor", "--floor", "3", "--tags", "temp"]);
  const downstairs = startDevice(["--id", "sensor-down", "--type", "sensor", "--floor", "0", "--tags", "temp"]);
  const gateway = startDevice(["--id", "gateway-up", "--type", "gateway", "--floor", "3"]);
  await Promise.all([upstairs, downstairs, gateway].map((device) => device.waitFor("listening")));

  const sent = await controller(["--filter", 'type = "sensor" and floor >= 2 or identity = "gateway-up"', "--command", "calibrate"]);
  expect(sent).toContain("2 device(s) match");
  expect(sent).toContain("  gateway-up: DELIVERED");
  expect(sent).toContain("  sensor-up: DELIVERED");
  expect(sent).toContain("delivered 2 of 2");
  await upstairs.waitFor("sensor-up got command: calibrate");
  await gateway.waitFor("gateway-up got command: calibrate");
  expect(downstairs.lines.some((line) => line.includes("got command"))).toBe(false);

  downstairs.child.kill("SIGTERM");
  expect(await downstairs.exited).toBe(0);
  const left = await controller(["--filter", 'tags contains "temp"']);
  expect(left).toEqual([expect.stringContaining("device sensor-up "), "1 device(s) match"]);

  for (const device of [upstairs, gateway]) device.child.kill("SIGTERM");
  expect(await upstairs.exited).toBe(0);
  expect(await gateway.exited).toBe(0);
  expect(await controller([])).toEqual(["0 device(s) match"]);
});
