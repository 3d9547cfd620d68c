// SessionPool against a real HTTP/2 server on a unix socket: leases, capacity, and replacing a
// session the server drops.
import { createLogger } from "@prism/pattern-sdk/host";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type ClientHttp2Session, type Http2Server, type ServerHttp2Session } from "node:http2";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SessionPool } from "./session-pool.js";

let dir: string;
let socketPath: string;
let server: Http2Server;
const serverSessions = new Set<ServerHttp2Session>();
let pool: SessionPool | undefined;

function dial(): Promise<ClientHttp2Session | undefined> {
  return new Promise((resolve) => {
    const session = connect("http://pattern", { createConnection: () => createConnection(socketPath) });
    session.once("error", () => resolve(undefined));
    session.once("connect", () => resolve(session));
  });
}

function makePool(streamsPerSession: number, maxSessions = 2, logs: string[] = [], growAt?: number): SessionPool {
  pool = new SessionPool({
    connect: dial,
    maxSessions,
    streamsPerSession,
    ...(growAt === undefined ? {} : { growAt }),
    logger: createLogger({ write: (line) => logs.push(line) }),
    describe: () => "test pattern",
  });
  return pool;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "prism-pool-"));
  socketPath = join(dir, "p.sock");
  server = createServer();
  server.on("session", (session) => {
    serverSessions.add(session);
    session.once("close", () => serverSessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterEach(async () => {
  pool?.close();
  for (const session of serverSessions) session.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("SessionPool", () => {
  it("counts calls per session and refuses past capacity", async () => {
    const p = makePool(2, 1);
    expect(await p.open()).toBe(true);
    const a = p.acquire();
    const b = p.acquire();
    expect(typeof a).toBe("object");
    expect(typeof b).toBe("object");
    expect(p.activeCalls).toBe(2);
    expect(p.acquire()).toBe("at-capacity");
    if (typeof a === "object") {
      a.release();
      a.release(); // idempotent
    }
    expect(p.activeCalls).toBe(1);
    expect(typeof p.acquire()).toBe("object");
  });

  it("opens a second session when the first is half full", async () => {
    const p = makePool(4, 2);
    await p.open();
    p.acquire();
    p.acquire();
    p.acquire(); // past half: a second session is opened in the background
    await new Promise<void>((resolve) => {
      const check = () => (serverSessions.size >= 2 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(serverSessions.size).toBe(2);
  });

  it("opens another session at growAt calls, well before capacity", async () => {
    const p = makePool(100, 3, [], 2);
    await p.open();
    p.acquire();
    p.acquire();
    p.acquire(); // the least loaded has 2: another session is opened in the background
    await new Promise<void>((resolve) => {
      const check = () => (serverSessions.size >= 2 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(serverSessions.size).toBe(2);
  });

  it("replaces a session the server dropped, and logs why", async () => {
    const logs: string[] = [];
    const p = makePool(10, 1, logs);
    await p.open();
    const dropped = [...serverSessions];
    for (const session of dropped) session.destroy();
    await new Promise<void>((resolve) => {
      const replaced = () => [...serverSessions].some((session) => !dropped.includes(session));
      const check = () => (replaced() && logs.length > 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    const lease = p.acquire();
    expect(typeof lease).toBe("object");
    expect(logs.join("\n")).toContain("connection to pattern test pattern closed");
  });

  it("answers connecting while it has no session", () => {
    const p = makePool(10, 1);
    expect(p.acquire()).toBe("connecting");
  });
});
