// Item 4 of the hostile-client findings: a rapid-reset flood (HEADERS then RST_STREAM, thousands
// per connection) must leave nothing behind. The proxy's HTTP/2 layer stops each flooding
// connection; connections it stopped are closed even while the attacker keeps them open without
// reading, the calls forwarded to a pattern and cancelled do not cost the proxy↔pattern
// connections, the proxy's fds return to the baseline, and the good client is served throughout.
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoodClient, keepServing } from "./good-client.js";
import { dataFrame, grpcRequestHeaders, headersFrame, openSocket, preface, rstStreamFrame, settingsFrame } from "./h2-frames.js";
import { type HostileProxy, startHostileProxy, testOverload } from "./hostile-proxy.js";
import { clientConnections, openFds, ResourceSampler, settle } from "./process-stats.js";
import { frameOf, getRequest, paths } from "./requests.js";

/** Flooding connections (one per attacker address per round) and resets sent on each. */
const rounds = 2;
const attackers = Array.from({ length: 10 }, (_, i) => `127.0.0.${40 + i}`);
const resetsPerConnection = 3000;
/**
 * The good client's deadline during this flood. 60,000 resets on 20 connections keep a 2-core
 * machine's proxy busy for seconds at a time (the same before and after the auth work: 2-5 s
 * slowest round trips when the machine is shared); the claim here is that every good call is
 * served, and the slowest one is printed (the other attacks hold the good client to its usual
 * 2 s). nx runs this package's tests alone (`parallelism: false`), so other suites do not share
 * the cores with the attack.
 */
const floodDeadlineMs = 6000;
/** Fds the proxy may hold above its baseline afterwards: the good client's connection, and pattern connections the pools opened (at most 8 per pattern, 2 patterns). */
const fdSlack = 16;

let hostile: HostileProxy;
let good: GoodClient;
let baselineFds: number;

beforeAll(async () => {
  hostile = await startHostileProxy();
  good = new GoodClient(hostile.url);
  await good.roundTrip("default", "warm");
  await good.roundTrip("proc", "warm");
  good.close();
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

/** The flood of one connection: Get calls (alternately in-process and forwarded to a pattern), each reset at once. */
function flood(host: string): Buffer {
  const parts = [preface, settingsFrame()];
  const body = frameOf(getRequest("flood"));
  for (let i = 0; i < resetsPerConnection; i++) {
    const id = 1 + 2 * i;
    const namespace = i % 2 === 0 ? "proc" : "default";
    parts.push(
      headersFrame(id, grpcRequestHeaders(host, paths.get, [["prism-namespace", namespace]])),
      dataFrame(id, body, true),
      rstStreamFrame(id),
    );
  }
  return Buffer.concat(parts);
}

describe("rapid-reset flood", () => {
  it("leaves no connection open, costs no pattern connection, and the good client is served", async () => {
    const pubsubPid = (await hostile.patternHealth("proc", "keyvalue")).details?.pid;
    const sampler = new ResourceSampler(hostile.pid);
    const loop = keepServing(good, ["default", "proc"], 20, floodDeadlineMs);
    const payload = flood(hostile.host);
    const held: Socket[] = [];
    for (let round = 0; round < rounds; round++) {
      const sockets = await Promise.all(attackers.map((address) => openSocket(hostile.host, hostile.port, address)));
      for (const socket of sockets) socket.write(payload);
      await sleep(200);
      // Half the connections are dropped, the other half kept open and never read.
      for (const [i, socket] of sockets.entries()) {
        if (i % 2 === 0) socket.destroy();
        else held.push(socket);
      }
    }
    // The attacker keeps its connections but sends nothing more: the proxy must still let go of them
    // (only the good client's connection stays).
    const connectionsWhileHeld = await settle(
      () => clientConnections(hostile.pid, hostile.port),
      (n) => n <= 1,
      3 * (testOverload.idleTimeoutMs + 1000),
    );
    const fdsWhileHeld = openFds(hostile.pid);
    const during = sampler.stop();
    const report = await loop.stop();
    for (const socket of held) socket.destroy();
    const after = await settle(
      () => openFds(hostile.pid),
      (fds) => fds <= baselineFds + fdSlack,
      3000,
    );
    const health = await hostile.patternHealth("proc", "keyvalue");
    console.info(
      `rapid reset: ${rounds * attackers.length * resetsPerConnection} resets on ${rounds * attackers.length} connections; ` +
        `fds baseline ${baselineFds}, peak ${during.peakFds}, with ${held.length} flooders still connected ${fdsWhileHeld} ` +
        `(${connectionsWhileHeld} client connections), after ${after}; ` +
        `good round trips ${report.roundTrips}, failures ${report.failures.length}, slowest ${Math.round(report.slowestMs)} ms`,
    );
    expect(connectionsWhileHeld).toBeLessThanOrEqual(1);
    expect(fdsWhileHeld).toBeLessThanOrEqual(baselineFds + fdSlack);
    expect(after).toBeLessThanOrEqual(baselineFds + fdSlack);
    expect(report.failures).toEqual([]);
    expect(health.details?.pid).toBe(pubsubPid);
    expect(health.details?.restarts).toBe("0");
    expect(hostile.logsMatching(/connection to pattern .* closed/)).toEqual([]);
    await good.roundTrip("proc", "after-flood");
  });
});
