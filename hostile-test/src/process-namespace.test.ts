// Item 3 of the hostile-client findings: a process-isolated namespace must not be starved or
// wedged by one client. Clients open Subscribe streams past maxCallsPerClient (the rest are
// RESOURCE_EXHAUSTED, logged once per address), then all vanish at once: the mass cancellation
// must not kill the proxy↔pattern connections (no "connection to pattern ... closed", no
// restart), the good client's Publish and Get with a 2 s deadline succeed during and after, its
// own subscription keeps receiving, and health's callsInFlight returns to 0.
import { PubSubService } from "@prism/proto/pubsub/v1";
import type { ClientHttp2Session } from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnveloped, type WatchedCall, watchGrpcCall } from "./call-answers.js";
import { connectFrom, GoodClient, goodAddress } from "./good-client.js";
import { type HostileProxy, startHostileProxy, testOverload } from "./hostile-proxy.js";
import { openFds, settle } from "./process-stats.js";
import { frameOf, grpcHeaders, paths, subscribeRequest } from "./requests.js";

/** Attacker addresses: together more calls than one pattern connection may reset at once (Node: 1,000). */
const attackers = Array.from({ length: 10 }, (_, i) => `127.0.0.${10 + i}`);
/** Subscribe streams per attacker: past maxCallsPerClient. */
const streamsPerAttacker = testOverload.maxCallsPerClient + 50;

let hostile: HostileProxy;
let good: GoodClient;

beforeAll(async () => {
  hostile = await startHostileProxy();
  good = new GoodClient(hostile.url);
  await good.roundTrip("proc", "warm");
});
afterAll(async () => {
  good?.close();
  const code = await hostile?.stop();
  expect(code).toBe(0);
  expect(hostile.rawLines()).toEqual([]);
});

/** The good client's calls through the attacked pattern (Publish) and its namespace (Get), each with a 2 s deadline. */
async function goodCallsSucceed(tag: string): Promise<void> {
  await good.publish("proc", "good.topic", tag);
  await good.set("proc", `key-${tag}`, tag);
  expect(await good.get("proc", `key-${tag}`)).toBe(tag);
}

describe("Subscribe floods on a process-isolated namespace", () => {
  it("are capped per client, and when they vanish at once the pattern connections survive and the slots come back", async () => {
    const pubsubBefore = await hostile.patternHealth("proc", "pubsub");
    // The good client's own subscription, on its own connection.
    const goodSession = await connectFrom(hostile.url, goodAddress);
    const goodSubscription = watchGrpcCall(
      goodSession.request(grpcHeaders(paths.subscribe, "proc")),
      frameOf(subscribeRequest("good.topic")),
    );

    const sessions: ClientHttp2Session[] = [];
    const calls: WatchedCall[] = [];
    for (const address of attackers) {
      const session = await connectFrom(hostile.url, address);
      sessions.push(session);
      for (let i = 0; i < streamsPerAttacker; i++) {
        calls.push(watchGrpcCall(session.request(grpcHeaders(paths.subscribe, "proc")), frameOf(subscribeRequest(`flood.${i % 10}`))));
      }
    }
    const expected = attackers.length * testOverload.maxCallsPerClient;
    const countSubscribed = () => calls.filter((call) => call.messages.length > 0).length;
    const subscribed = await settle(countSubscribed, (n) => n >= expected, 20_000);
    const refusals = (await Promise.all(calls.filter((call) => call.ended).map((call) => call.answer))).map(
      (answer) => `${answer.code} ${answer.message}`,
    );
    expect(subscribed).toBe(expected);
    expect(refusals).toHaveLength(attackers.length * 50);
    expect(new Set(refusals.map((refusal) => refusal.split(" ")[0]))).toEqual(new Set(["8"])); // RESOURCE_EXHAUSTED
    const during = await hostile.patternHealth("proc", "pubsub");
    expect(Number(during.details?.callsInFlight)).toBeGreaterThanOrEqual(expected);
    await goodCallsSucceed("during");

    // Every attacker vanishes at once: thousands of calls to the pattern cancelled together.
    for (const session of sessions) session.destroy();
    await goodCallsSucceed("cancelling");
    await sleep(500);
    await goodCallsSucceed("after");
    await settle(
      () => goodSubscription.messages.length,
      (n) => n >= 4,
      5000,
    );
    // Subscribed, then the three messages published above.
    expect(goodSubscription.messages.length).toBe(4);
    expect(goodSubscription.ended).toBe(false);

    goodSession.destroy();
    const inFlight = async () => Number((await hostile.patternHealth("proc", "pubsub")).details?.callsInFlight);
    let left = await inFlight();
    for (let waited = 0; left > 0 && waited < 15_000; waited += 250) {
      await sleep(250);
      left = await inFlight();
    }
    expect(left).toBe(0);
    const pubsubAfter = await hostile.patternHealth("proc", "pubsub");
    console.info(
      `mass cancellation: ${subscribed} subscriptions of ${attackers.length} clients, ${refusals.length} refused; ` +
        `callsInFlight ${during.details?.callsInFlight} during, ${left} after; pattern pid ${pubsubBefore.details?.pid} → ${pubsubAfter.details?.pid}, ` +
        `proxy fds ${openFds(hostile.pid)}`,
    );
    expect(pubsubAfter.status).toBe("HEALTHY");
    expect(pubsubAfter.details?.restarts).toBe("0");
    expect(pubsubAfter.details?.pid).toBe(pubsubBefore.details?.pid);
    expect(hostile.logsMatching(/connection to pattern .* closed|restart/)).toEqual([]);
    // 500 refusals, one line per address.
    const refusalLines = hostile.logsMatching(/refused a call from 127\.0\.0\.\d+: .*maxCallsPerClient/);
    expect(refusalLines.length).toBeGreaterThanOrEqual(1);
    expect(refusalLines.length).toBeLessThanOrEqual(attackers.length);
    await goodCallsSucceed("recovered");
  });

  it("Connect over HTTP/2 is held to the same per-client cap", async () => {
    const session = await connectFrom(hostile.url, "127.0.0.30");
    const bodies: Buffer[][] = [];
    const statuses: (number | undefined)[] = [];
    const path = `/${PubSubService.typeName}/Subscribe`;
    for (let i = 0; i < streamsPerAttacker; i++) {
      const body = frameOf(subscribeRequest(`connect.${i}`));
      // With its length declared, as browsers send it (a body of unknown length reserves the largest message).
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/connect+proto",
        "content-length": String(body.byteLength),
        "connect-protocol-version": "1",
        "prism-namespace": "proc",
      });
      const chunks: Buffer[] = [];
      bodies.push(chunks);
      stream.on("response", (headers) => statuses.push(headers[":status"]));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", () => {});
      stream.end(body);
    }
    await settle(
      () => statuses.length,
      (n) => n >= streamsPerAttacker,
      10_000,
    );
    await sleep(500);
    const answers = bodies.map((chunks) => readEnveloped("connect", {}, Buffer.concat(chunks)));
    const open = answers.filter((answer) => answer.code === -1 && answer.messages.length === 1).length;
    const refused = answers.filter((answer) => answer.code === 8).length;
    session.destroy();
    expect(open).toBe(testOverload.maxCallsPerClient);
    expect(refused).toBe(streamsPerAttacker - testOverload.maxCallsPerClient);
    await goodCallsSucceed("connect");
  });
});
