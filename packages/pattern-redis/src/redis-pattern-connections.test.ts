// Tests of which connections a redis pattern instance holds, observed on a real, private redis-server
// (CLIENT LIST by connection name, and INFO's count of accepted connections): KeyValue and publish use the
// command connection only, the first Subscribe opens the subscriber connection once (concurrent first
// subscribes wait for it), a first Subscribe while Redis is down fails UNAVAILABLE and the connection it
// opened recovers by itself, and stop closes whatever was opened without opening anything.
import { Code, type PubSubBackend, type PubSubMessage } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { codeOf } from "../test/code-of.js";
import { bytes, health, patiently, redisPatternFixture, subscribe } from "../test/redis-pattern-instances.js";

const fixture = redisPatternFixture();
const { instances } = fixture;
const admin = () => fixture.admin;

/** Names of the server's client connections that belong to `namespace`'s pattern instance, sorted. */
async function patternConnections(namespace: string): Promise<string[]> {
  const list = String(await admin().call("CLIENT", "LIST"));
  const names = list.split("\n").map((line) => /\bname=(\S*)/.exec(line)?.[1] ?? "");
  return names.filter((name) => name === `prism:${namespace}` || name.startsWith(`prism:${namespace}:`)).sort();
}

/** Connections the server has accepted since it started (INFO stats total_connections_received). */
async function connectionsAccepted(): Promise<number> {
  const match = /total_connections_received:(\d+)/.exec(await admin().info("stats"));
  if (!match) throw new Error("INFO stats has no total_connections_received");
  return Number(match[1]);
}

/** The first message `subscription` receives, publishing `topic` again until one arrives (or `patiently` runs out). */
async function receiveAfterPublishing(pattern: { pubsub: PubSubBackend }, subscription: AsyncIterable<PubSubMessage>, topic: string) {
  let received: PubSubMessage | undefined;
  void subscription[Symbol.asyncIterator]()
    .next()
    .then((result) => {
      received = result.value;
    });
  await expect
    .poll(
      async () => {
        await pattern.pubsub.publish(topic, bytes("hello"), {}).catch(() => undefined);
        return received;
      },
      { ...patiently, message: `the message received on ${topic} after publishing it` },
    )
    .toMatchObject({ topic });
  return received;
}

// The tests of this file run one after another and are the only users of their server besides `admin`,
// so a change of connectionsAccepted() within a test is what that test's pattern instance opened.
describe("redisPattern connections", () => {
  it("uses one connection for KeyValue and publish, from start to stop, and never opens the subscriber connection", async () => {
    const before = await connectionsAccepted();
    const pattern = await instances.start("kvonly");
    const keyvalue = pattern.keyvalue!;
    await keyvalue.set("k", bytes("v"), 0);
    expect(await keyvalue.get("k")).toEqual(bytes("v"));
    expect(await keyvalue.exists("k")).toBe(true);
    await pattern.pubsub.publish("nobody.listens", bytes("x"), {});
    expect(await patternConnections("kvonly")).toEqual(["prism:kvonly"]);
    expect(await health(pattern)).toMatchObject({
      status: "HEALTHY",
      details: { state: "ready", subscriberState: "not open", published: 1 },
    });

    await pattern.stop?.();
    await expect.poll(() => patternConnections("kvonly"), { ...patiently, message: "the pattern's connections after stop" }).toEqual([]);
    // Exactly one connection from create to stop: stop did not open the subscriber connection either.
    expect(await connectionsAccepted()).toBe(before + 1);
  });

  it("opens the subscriber connection on the first subscribe, once for concurrent subscribes, and closes both on stop", async () => {
    const pattern = await instances.start("lazy");
    expect(await patternConnections("lazy")).toEqual(["prism:lazy"]);
    const before = await connectionsAccepted();

    // Issued together: all but the first arrive while the subscriber connection is still connecting, and wait for it.
    const [a, b, wild, again] = await Promise.all(["a", "b", "c.*", "a"].map((topic) => subscribe(pattern.pubsub, topic)));
    expect(await patternConnections("lazy")).toEqual(["prism:lazy", "prism:lazy:subscriber"]);
    const later = await subscribe(pattern.pubsub, "d");
    expect(await patternConnections("lazy")).toEqual(["prism:lazy", "prism:lazy:subscriber"]);
    expect(await connectionsAccepted()).toBe(before + 1);

    for (const [subscription, topic] of [
      [a, "a"],
      [again, "a"],
      [b, "b"],
      [wild, "c.x"],
      [later, "d"],
    ] as const) {
      expect(await receiveAfterPublishing(pattern, subscription!, topic)).toMatchObject({ topic });
    }
    expect(await health(pattern)).toMatchObject({ status: "HEALTHY", details: { subscriberState: "ready", subscriptions: 5 } });

    await pattern.stop?.();
    await expect.poll(() => patternConnections("lazy"), { ...patiently, message: "the pattern's connections after stop" }).toEqual([]);
  });

  it("fails a subscribe that waits for the subscriber connection UNAVAILABLE when stopped meanwhile, leaving no connection", async () => {
    const pattern = await instances.start("stopping");
    const waiting = codeOf(subscribe(pattern.pubsub, "t"));
    await pattern.stop?.();
    expect(await waiting).toBe(Code.Unavailable);
    expect(pattern.pubsub.subscriptionCount()).toBe(0);
    await expect.poll(() => patternConnections("stopping"), { ...patiently, message: "the pattern's connections after stop" }).toEqual([]);
    expect((await health(pattern)).status).toBe("UNHEALTHY");
  });

  it("fails a first subscribe while Redis is down UNAVAILABLE, and the subscriber connection it opened recovers", async () => {
    const pattern = await instances.start("outage");
    await fixture.server.kill();
    expect(await codeOf(subscribe(pattern.pubsub, "t"))).toBe(Code.Unavailable);
    const down = await health(pattern);
    expect(down.status).not.toBe("HEALTHY");
    // The subscriber connection exists now, and reconnects like the command connection.
    expect(down.details).toMatchObject({ subscriberDisconnectedForMs: expect.any(Number) });
    expect(["ready", "not open"]).not.toContain(down.details?.subscriberState);

    await fixture.server.restart();
    await expect
      .poll(() => health(pattern), { ...patiently, message: "health after Redis restarted" })
      .toMatchObject({
        status: "HEALTHY",
        details: { subscriberState: "ready" },
      });
    const subscription = await subscribe(pattern.pubsub, "t");
    expect(await receiveAfterPublishing(pattern, subscription, "t")).toMatchObject({ topic: "t" });
    await expect
      .poll(() => patternConnections("outage"), { ...patiently, message: "the pattern's connections after the restart" })
      .toEqual(["prism:outage", "prism:outage:subscriber"]);
  });
});
