// Reaching a pattern process on its unix socket: one HTTP/2 session when something answers, and
// waiting for the socket to answer with capped exponential backoff (never a fixed sleep).
import type { Logger } from "@prism/pattern-sdk";
import { type ClientHttp2Session, connect } from "node:http2";
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Opens an HTTP/2 session on a unix socket, or undefined when nothing answers yet. */
export function connectToSocket(socketPath: string, logger?: Logger): Promise<ClientHttp2Session | undefined> {
  return new Promise((resolve) => {
    const session = connect("http://pattern", { createConnection: () => createConnection(socketPath) });
    const fail = (error: Error) => {
      logger?.debug(`pattern socket ${socketPath} does not answer yet: ${error.message}`);
      session.destroy();
      resolve(undefined);
    };
    session.once("error", fail);
    session.once("connect", () => {
      session.off("error", fail);
      resolve(session);
    });
  });
}

/** Why waiting for the socket stopped without a session. */
export type SocketWaitFailure = { kind: "exited"; how: string } | { kind: "timeout" };

/**
 * Polls `socketPath` (10 ms doubling to 500 ms) until it answers, `exited()` says the process is
 * gone, or `timeoutMs` passes.
 */
export async function waitForSocket(
  socketPath: string,
  timeoutMs: number,
  exited: () => string | undefined,
  logger?: Logger,
): Promise<ClientHttp2Session | SocketWaitFailure> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const how = exited();
    if (how !== undefined) return { kind: "exited", how };
    const session = await connectToSocket(socketPath, logger);
    if (session) return session;
    if (Date.now() >= deadline) return { kind: "timeout" };
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
  }
}
