// Runs two chat processes against the real proxy: a line typed into one is printed by the other.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startProxyProcess, type ProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

const chatBin = fileURLToPath(new URL("../dist/chat.js", import.meta.url));
let proxy: ProxyProcess;

beforeAll(async () => {
  proxy = await startProxyProcess({});
});
afterAll(() => proxy?.stop());

function startChat(name: string) {
  const child = spawn(process.execPath, [chatBin, "--name", name, "--room", "test", "--url", proxy.url], {
    stdio: ["pipe", "pipe", "inherit"],
  });
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
            throw new Error(`chat ${name} exited (${code}) before printing "${match}"; it printed:\n${lines.join("\n")}`);
          }),
        ]);
  return { child, lines, waitFor, exited };
}

it("delivers a line typed in one chat to the other", async () => {
  const ada = startChat("ada");
  const bob = startChat("bob");
  await Promise.all([ada.waitFor("joined chat.test"), bob.waitFor("joined chat.test")]);
  ada.child.stdin.write("hello bob\n");
  await bob.waitFor("<ada> hello bob");
  bob.child.stdin.write("hi ada\n");
  await ada.waitFor("<bob> hi ada");
  expect(ada.lines.some((line) => line.includes("<ada>"))).toBe(false);
  ada.child.stdin.end();
  bob.child.stdin.end();
  expect(await ada.exited).toBe(0);
  expect(await bob.exited).toBe(0);
});
