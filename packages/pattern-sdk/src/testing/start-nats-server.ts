// Test harness: a private nats-server with JetStream on a free port and its own temporary store
// directory, which a test can kill (like a crash) and restart on the same port and store (so
// JetStream data survives), and which is always killed at the end.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findFreePort } from "./find-free-port.js";
import { requireBinary } from "./require-binary.js";

/** A nats-server (with JetStream) owned by one test file. */
export interface NatsServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  /** Its JetStream store directory (removed by stop()). */
  readonly storeDir: string;
  /** Kills it (SIGKILL, like a crash); JetStream data written to the store survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store directory (kills it first if it runs). */
  restart(): Promise<void>;
  /** Stops it for good and removes its store directory. */
  stop(): Promise<void>;
}

/** Starts nats-server -js on a free port with a fresh store directory and waits until it sends INFO. */
export async function startNatsServer(): Promise<NatsServer> {
  const binary = requireBinary("nats-server", "nats-server");
  const storeDir = mkdtempSync(join(tmpdir(), "prism-nats-"));
  for (let attempt = 0; ; attempt++) {
    const port = await findFreePort();
    try {
      let child = await launch(binary, port, storeDir);
      const server: NatsServer = {
        port,
        url: `nats://127.0.0.1:${port}`,
        storeDir,
        kill: async () => {
          await terminate(child, "SIGKILL");
        },
        restart: async () => {
          await terminate(child, "SIGKILL");
          child = await launch(binary, port, storeDir);
        },
        stop: async () => {
          await terminate(child, "SIGTERM");
          rmSync(storeDir, { recursive: true, force: true });
        },
      };
      return server;
    } catch (error) {
      if (attempt >= 4) {
        rmSync(storeDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

/** Every server started by this process, killed when the process exits whatever happens. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

async function launch(binary: string, port: number, storeDir: string): Promise<ChildProcess> {
  const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    if (child.exitCode !== null) {
      throw new Error(`nats-server on port ${port} exited with code ${child.exitCode}:\n${output.join("").slice(-2000)}`);
    }
    if (await sendsInfo(port)) return child;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nats-server on port ${port} did not send INFO within 10 s:\n${output.join("").slice(-2000)}`);
    }
    await sleep(delay);
  }
}

/** Whether a server on `port` accepts a TCP connection and greets it with its INFO line. */
function sendsInfo(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.setTimeout(500);
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("INFO "));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}
