// JetStream on a 3-node NATS cluster: the stream has 3 replicas and the pattern knows every node's URL.
// A group member keeps receiving, and a publisher keeps publishing (retrying what failed while the
// connection moved), when a node is killed mid-run; every message whose publish succeeded is delivered.
import type { PubSubMessage } from "@prism/pattern-sdk";
import { type NatsCluster, startNatsCluster, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, read, type StartedNats, startNats, subscription } from "../test/pubsub-test-kit.js";

let cluster: NatsCluster;
let nats: StartedNats;

beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3, jetstream: true });
  nats = await startNats({ url: cluster.url, jetstream: true, replicas: 3, ackWaitMs: 2000, pullExpiresMs: 1000 }, "cluster");
}, 60_000);

afterAll(async () => {
  await nats?.instance.stop?.();
  await cluster?.stop();
});

/** The index of the node the pattern is connected to now (0 when it cannot tell). */
async function connectedNode(): Promise<number> {
  const report = await nats.instance.health?.();
  const server = String(report?.details?.server ?? "");
  const index = cluster.ports.findIndex((port) => server.endsWith(`:${port}`));
  return Math.max(index, 0);
}

describe("nats pattern, JetStream on a 3-node cluster", () => {
  it("creates the stream with 3 replicas", async () => {
    const logged = nats.logs.find((line) => String(line.msg ?? line.message ?? "").includes("NATS PubSub ready (JetStream"));
    expect(logged, "the ready log line").toBeDefined();
    const response = await fetch(`http://127.0.0.1:${cluster.monitorPorts[0]}/jsz?streams=true&config=true`);
    const jsz = (await response.json()) as {
      account_details?: { stream_detail?: { name: string; config?: { num_replicas?: number } }[] }[];
    };
    const streams = (jsz.account_details ?? []).flatMap((account) => account.stream_detail ?? []);
    expect(streams.find((stream) => stream.name === "PRISM_CLUSTER")?.config?.num_replicas).toBe(3);
  });

  it("keeps publishing and delivering when the node it is connected to is killed mid-run", async () => {
    const { pubsub } = nats;
    const sub = await pubsub.subscribe(subscription("work", "workers", 64));
    const reader = read(sub, (message: PubSubMessage) => void sub.ack([message.messageId]).catch(() => undefined));
    const published: string[] = [];
    let failures = 0;
    const publishUntil = async (count: number) => {
      const deadline = Date.now() + 30_000;
      while (published.length < count && Date.now() < deadline) {
        try {
          published.push(await pubsub.publish("work", bytes(`m${published.length}`), {}));
        } catch {
          failures++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    await publishUntil(20);
    const victim = await connectedNode();
    await cluster.kill(victim);
    await publishUntil(60);
    expect(published.length, `published (${failures} attempt(s) failed and were retried)`).toBe(60);
    expect(await connectedNode(), "connected to another node now").not.toBe(victim);
    const deadline = Date.now() + 30_000;
    const missing = () => {
      const seen = new Set(reader.messages.map((message) => message.messageId));
      return published.filter((id) => !seen.has(id));
    };
    while (missing().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(missing(), "published messages not delivered").toEqual([]);
    await sub.close();
    await cluster.restart(victim);
  }, 90_000);
});

describe("nats pattern, JetStream replicas on a single server", () => {
  it("fails Start with UNAVAILABLE when the stream needs more replicas than there are servers", async () => {
    const server = await startNatsServer();
    try {
      await expect(startNats({ url: server.url, jetstream: true, replicas: 3 }, "too-many-replicas")).rejects.toThrow(
        /setting up JetStream stream PRISM_TOO_MANY_REPLICAS.*(replicas|resources)/i,
      );
    } finally {
      await server.stop();
    }
  });
});
