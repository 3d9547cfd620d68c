// Test harness: a private redis-server on a free port (no persistence), which a test can stop and
// start again on the same port to simulate an outage, and which is always killed at the end.
import { firstReplyStartsWith } from "./first-reply-starts-with.js";
import { requireBinary } from "./require-binary.js";
import { startTestServer } from "./start-test-server.js";

/** A redis-server owned by one test file. */
export interface RedisServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Kills it (SIGKILL, like a crash); data is lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

/** Starts redis-server on a free port and waits until it answers PING. */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = requireBinary("redis-server", "redis-server");
  const { port, kill, restart, stop } = await startTestServer((port) => ({
    name: "redis-server",
    binary,
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
    port,
    ready: () => firstReplyStartsWith(port, "+PONG", "PING\r\n"),
    readiness: "answer PING",
  }));
  return { port, url: `redis://127.0.0.1:${port}`, kill, restart, stop };
}
