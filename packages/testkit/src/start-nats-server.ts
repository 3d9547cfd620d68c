// Test harness: a private nats-server with JetStream on a free port and its own temporary store
// directory, which a test can kill (like a crash) and restart on the same port and store (so
// JetStream data survives), and which is always killed at the end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstReplyStartsWith } from "./first-reply-starts-with.js";
import { requireBinary } from "./require-binary.js";
import { startTestServer, type TestServerControl } from "./start-test-server.js";

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
  let control: TestServerControl;
  try {
    control = await startTestServer((port) => ({
      name: "nats-server",
      binary,
      args: ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
      port,
      ready: () => firstReplyStartsWith(port, "INFO "),
      readiness: "send INFO",
    }));
  } catch (error) {
    rmSync(storeDir, { recursive: true, force: true });
    throw error;
  }
  const { port, kill, restart, stop } = control;
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    kill,
    restart,
    stop: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
