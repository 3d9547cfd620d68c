// Item 2 of the hostile-client findings: connections must not hold the proxy's file descriptors.
// HTTP/2 connections that send only the preface (and ones that keep pinging, with or without a
// call before) are cut after headersTimeoutMs / idleTimeoutMs, whatever the client does; past
// maxConnectionsPerClient a client's connections are refused at once and the refusal logged
// (rate-limited); HTTP/1.1 slow headers and slow bodies are cut by the headers and request
// timeouts. The proxy's open fds return to the baseline and the good client is served throughout.
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectFrom, GoodClient, keepServing } from "./good-client.js";
import { closed, openSocket, pingFrame, preface, settingsFrame } from "./h2-frames.js";
import { type HostileProxy, startHostileProxy, testOverload } from "./hostile-proxy.js";
import { clientConnections, openFds, ResourceSampler, settle } from "./process-stats.js";
import { openSlowRequest, postHead } from "./raw-http1.js";
import { grpcAnswer } from "./call-answers.js";
import { frameOf, getRequest, grpcHeaders, paths } from "./requests.js";

/** Connections one attacker address tries to open (only maxConnectionsPerClient may stay). */
const attempts = 300;
/** Fds the proxy may hold above its baseline once an attack is over (the good client's, pool sessions that grew). */
const fdSlack = 4;

let hostile: HostileProxy;
let good: GoodClient;
let baselineFds: number;

beforeAll(async () => {
  hostile = await startHostileProxy();
  good = new GoodClient(hostile.url);
  await good.roundTrip("default", "warm");
  await good.roundTrip("proc", "warm");
  good.close();
  // The good client's connection closes once idle; what is left is the proxy's own (listener, pattern sockets, pipes).
  baselineFds = await settle(
    () => openFds(hostile.pid),
    () => false,
    testOverload.idleTimeoutMs + 1500,
  );
});
afterAll(async () => {
  good?.close();
  const code = await hostile?.stop();
  expect(code).toBe(0);
  expect(hostile.rawLines()).toEqual([]);
});

/** Opens `count` raw connections from `address` that send `first` and never read; resolves with the sockets. */
async function openRaw(address: string, count: number, first: Buffer): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = await openSocket(hostile.host, hostile.port, address);
    socket.write(first);
    sockets.push(socket);
  }
  return sockets;
}

const stillOpen = (sockets: Socket[]) => sockets.filter((socket) => !socket.destroyed).length;

/** How long an attack connection may live: the timeout, the close grace, the check interval, with room. */
const cutWithinMs = 3 * (testOverload.idleTimeoutMs + 1000);

/** Starts reading `sockets` (the attack never did) and counts the ones still open a second later. */
async function openAfterReading(sockets: Socket[]): Promise<number> {
  for (const socket of sockets) socket.resume();
  await Promise.race([Promise.all(sockets.map(closed)), sleep(1000)]);
  return stillOpen(sockets);
}

describe("HTTP/2 connections that never make a call", () => {
  it("are admitted up to maxConnectionsPerClient per address, cut after the headers timeout, and the fds come back", async () => {
    const sampler = new ResourceSampler(hostile.pid);
    const loop = keepServing(good, ["default", "proc"]);
    const opening = Buffer.concat([preface, settingsFrame()]);
    // Preface only, from one address: 300 tries, 50 may stay.
    const prefaceOnly = await openRaw("127.0.0.1", attempts, opening);
    // Preface, then a PING every 200 ms: frames are not calls, so they do not keep the connection.
    const pingers = await openRaw("127.0.0.3", testOverload.maxConnectionsPerClient, opening);
    const pinging = setInterval(() => {
      for (const socket of pingers) if (!socket.destroyed) socket.write(pingFrame());
    }, 200);
    try {
      await sleep(300);
      const admitted = stillOpen(prefaceOnly);
      expect(admitted).toBe(testOverload.maxConnectionsPerClient);
      expect(stillOpen(pingers)).toBe(testOverload.maxConnectionsPerClient);
      // Cut after headersTimeoutMs plus the close grace, although the clients neither read nor close
      // (the good client's connection is the one left).
      await settle(
        () => clientConnections(hostile.pid, hostile.port),
        (n) => n <= 1,
        cutWithinMs,
      );
    } finally {
      clearInterval(pinging);
    }
    const during = sampler.stop();
    const report = await loop.stop();
    const after = await settle(
      () => openFds(hostile.pid),
      (fds) => fds <= baselineFds + fdSlack,
      3000,
    );
    // The fds that went were these connections: reading now, each finds it closed.
    expect(await openAfterReading([...prefaceOnly, ...pingers])).toBe(0);
    console.info(
      `preface-only/pinging connections: fds baseline ${baselineFds}, peak ${during.peakFds}, after ${after}; ` +
        `good round trips ${report.roundTrips}, failures ${report.failures.length}`,
    );
    expect(during.peakFds).toBeLessThan(baselineFds + 2 * testOverload.maxConnectionsPerClient + 40);
    expect(after).toBeLessThanOrEqual(baselineFds + fdSlack);
    expect(report.failures).toEqual([]);
    // 250 refusals of one address, one line (rate-limited); nothing about the good client.
    const refusals = hostile.logsMatching(/refused a connection from 127\.0\.0\.1: .*maxConnectionsPerClient/);
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(2);
    expect(hostile.logsMatching(/refused .*127\.0\.0\.2/)).toEqual([]);
  });

  it("a connection that made one call and then only pings is cut after the idle timeout", async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, () => connectFrom(hostile.url, "127.0.0.4")));
    for (const session of sessions) {
      const answer = await grpcAnswer(session.request(grpcHeaders(paths.get, "default")), frameOf(getRequest("nothing")));
      expect(answer.code).toBe(5); // NOT_FOUND: the call went through
    }
    const pinging = setInterval(() => {
      for (const session of sessions) if (!session.closed && !session.destroyed) session.ping(() => {});
    }, 200);
    try {
      await Promise.all(sessions.map((session) => new Promise((resolve) => session.once("close", resolve))));
    } finally {
      clearInterval(pinging);
    }
    const goaways = sessions.filter((session) => session.destroyed);
    expect(goaways).toHaveLength(sessions.length);
    expect(
      await settle(
        () => openFds(hostile.pid),
        (fds) => fds <= baselineFds + fdSlack,
        5000,
      ),
    ).toBeLessThanOrEqual(baselineFds + fdSlack);
  });
});

describe("HTTP/1.1 slow clients", () => {
  it("slow headers are cut by headersTimeoutMs and slow bodies by requestTimeoutMs (408), and the fds come back", async () => {
    const sampler = new ResourceSampler(hostile.pid);
    const loop = keepServing(good, ["default", "proc"]);
    const started = Date.now();
    const slowHeaders = await Promise.all(
      Array.from({ length: 40 }, () =>
        openSlowRequest(
          hostile.host,
          hostile.port,
          "127.0.0.5",
          postHead(hostile.host, paths.get, { "content-type": "application/proto" }, false),
        ),
      ),
    );
    const slowBodies = await Promise.all(
      Array.from({ length: 40 }, () =>
        openSlowRequest(
          hostile.host,
          hostile.port,
          "127.0.0.6",
          postHead(hostile.host, paths.get, {
            "content-type": "application/proto",
            "connect-protocol-version": "1",
            "content-length": "100000",
          }),
        ),
      ),
    );
    // A header line, and a body byte, every 200 ms: always active, never done.
    const trickle = setInterval(() => {
      for (const slow of slowHeaders) if (!slow.closed) slow.socket.write("x-slow: 1\r\n");
      for (const slow of slowBodies) if (!slow.closed) slow.socket.write("a");
    }, 200);
    let headersCutAfter = 0;
    try {
      await Promise.all(slowHeaders.map((slow) => closed(slow.socket)));
      headersCutAfter = Date.now() - started;
      await Promise.all(slowBodies.map((slow) => closed(slow.socket)));
    } finally {
      clearInterval(trickle);
    }
    const bodiesCutAfter = Date.now() - started;
    const during = sampler.stop();
    const report = await loop.stop();
    const after = await settle(
      () => openFds(hostile.pid),
      (fds) => fds <= baselineFds + fdSlack,
      5000,
    );
    console.info(
      `slow HTTP/1.1: headers cut after ${headersCutAfter} ms, bodies after ${bodiesCutAfter} ms; fds baseline ${baselineFds}, ` +
        `peak ${during.peakFds}, after ${after}; good round trips ${report.roundTrips}`,
    );
    // Each kind is cut by its own timeout, not by some later sweep (Node's default check runs every 30 s).
    expect(headersCutAfter).toBeLessThan(testOverload.requestTimeoutMs);
    expect(bodiesCutAfter).toBeLessThan(2 * testOverload.requestTimeoutMs);
    expect(new Set(slowHeaders.map((slow) => slow.status))).toEqual(new Set([408]));
    expect(new Set(slowBodies.map((slow) => slow.status))).toEqual(new Set([408]));
    expect(after).toBeLessThanOrEqual(baselineFds + fdSlack);
    expect(report.failures).toEqual([]);
  });
});
