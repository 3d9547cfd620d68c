// Test harness building block: a readiness probe that connects to a local server, optionally sends
// a line, and checks how the server's first reply starts (e.g. a NATS INFO greeting, a Redis +PONG).
import { createConnection } from "node:net";

/**
 * Whether a server on 127.0.0.1:`port` accepts a connection and its first data (after `send`, if given) starts with
 * `prefix` within 500 ms.
 */
export function firstReplyStartsWith(port: number, prefix: string, send?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.setTimeout(500);
    if (send !== undefined) socket.once("connect", () => socket.write(send));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith(prefix));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
