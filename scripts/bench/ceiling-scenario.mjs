// Scenario "ceiling": what Node's HTTP/2 allows on this machine, the bar every proxy row is read
// against. A bare node:http2 server in its own process (ceiling-server.mjs) answers every KeyValue
// Get with a canned gRPC answer; the same lean gRPC caller as the proxy rows (grpc-load.mjs, same
// request frames) measures it at the bench's concurrency and at 1 call in flight.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createGrpcLoad } from "./grpc-load.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { kvCases } from "./kv-workload.mjs";
import { withTimeout } from "./with-timeout.mjs";

const serverScript = fileURLToPath(new URL("./ceiling-server.mjs", import.meta.url));
const target = "ceiling: bare node:http2, canned answer";

/** Spawns ceiling-server.mjs; resolves to { url, stop() } once it listens. */
async function startCeilingServer() {
  const child = spawn(process.execPath, [serverScript], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", (line) => resolve(Number(/^listening (\d+)$/.exec(line)?.[1])));
      exited.then((code) => reject(new Error(`ceiling-server.mjs exited with ${code} before listening`)));
    }),
    15_000,
    "ceiling-server.mjs did not listen within 15 s",
  ).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.stdin.end(); // the server exits when its stdin closes
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const ceilingScenario = {
  name: "ceiling",
  targets: [target],

  /** Yields Get at the bench's concurrency and at 1 in flight; `close()` stops the server and the load. */
  open() {
    const closers = [];
    return {
      async *cases() {
        const server = await startCeilingServer();
        closers.push(() => server.stop());
        const load = await createGrpcLoad(server.url, { sessions: 4 });
        closers.push(() => load.close());
        const calls = await grpcKvCalls(load, "default");
        yield* kvCases(target, calls).filter((c) => c.op.startsWith("Get"));
      },
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
  },
};
