// Outage tests against a real nats-server that is killed (SIGKILL) and restarted on the same port
// and store: core subscriptions resume, health and logs follow the outage, publishes and subscribes
// fail fast with UNAVAILABLE while it lasts, and JetStream loses no publish that was acknowledged before, during or
// after it.
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@prism/pattern-sdk";
import { type NatsServer, startNatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bytes, patiently, read, startNats, subscription } from "../test/pubsub-test-kit.js";

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

describe("nats pattern across a nats-server restart", () => {
  it("core: reports the outage, then the subscriber resumes receiving after the restart", async () => {
    const nats = await startNats({ url: server.url, reconnectWaitMs: 50, unhealthyAfterMs: 60_000 });
    try {
      const sub = await nats.pubsub.subscribe(subscription("ticks"));
      const reader = read(sub);
      await nats.pubsub.publish("ticks", bytes("before"), {});
      await expect.poll(() => reader.texts(), patiently).toEqual(["before"]);

      await server.kill();
      await vi.waitFor(async () => {
        const health = await nats.instance.health?.();
        expect(health).toMatchObject({ status: "DEGRADED", details: { state: "reconnecting" } });
        expect(health?.message).toContain(`127.0.0.1:${server.port}`);
      }, patiently);
      await server.restart();
      await expect.poll(async () => (await nats.instance.health?.())?.status, patiently).toBe("HEALTHY");
      await vi.waitFor(async () => {
        await nats.pubsub.publish("ticks", bytes("after"), {});
        expect(reader.texts()).toContain("after");
      }, patiently);
      expect(nats.pubsub.subscriptionCount()).toBe(1);
      expect((await nats.instance.health?.())?.details?.natsSubscriptions).toBe(1);
      const address = `127.0.0.1:${server.port}`;
      expect(nats.logs).toContainEqual(expect.objectContaining({ msg: "disconnected from NATS, reconnecting", server: address }));
      expect(nats.logs).toContainEqual(expect.objectContaining({ msg: "reconnected to NATS", server: address }));
      await sub.close();
    } finally {
      await nats.instance.stop?.();
    }
  });

  it("publish and subscribe fail at once with UNAVAILABLE naming the server while disconnected (core and JetStream)", async () => {
    const core = await startNats({ url: server.url, reconnectWaitMs: 50, unhealthyAfterMs: 60_000 });
    const js = await startNats({ url: server.url, jetstream: true, reconnectWaitMs: 50, requestTimeoutMs: 5000 }, "down");
    try {
      await core.pubsub.publish("ticks", bytes("up"), {});
      await js.pubsub.publish("ticks", bytes("up"), {});
      await server.kill();
      for (const nats of [core, js]) {
        await expect.poll(async () => (await nats.instance.health?.())?.details, patiently).toMatchObject({ state: "reconnecting" });
        const attempts = [
          () => nats.pubsub.publish("ticks", bytes("down"), {}),
          () => nats.pubsub.subscribe(subscription("ticks")),
          () => nats.pubsub.subscribe(subscription("ticks", "tickers")),
        ];
        for (const attempt of attempts) {
          // Fails fast: the error is about the lost connection, not the 5 s request timeout.
          const failure = await attempt().then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(failure).toBeInstanceOf(ConnectError);
          expect((failure as ConnectError).code).toBe(Code.Unavailable);
          expect((failure as ConnectError).message).toContain(`127.0.0.1:${server.port}`);
          expect((failure as ConnectError).message).toMatch(/reconnecting/);
        }
        expect(nats.pubsub.subscriptionCount()).toBe(0);
      }
      await server.restart();
      for (const nats of [core, js]) {
        await expect
          .poll(() => nats.pubsub.publish("ticks", bytes("again"), {}), { ...patiently, message: "publish after the restart" })
          .toEqual(expect.any(String));
        const sub = await nats.pubsub.subscribe(subscription("ticks", "tickers"));
        const reader = read(sub, (message) => void sub.ack([message.messageId]));
        await vi.waitFor(async () => {
          await nats.pubsub.publish("ticks", bytes("subscribed"), {});
          expect(reader.texts()).toContain("subscribed");
        }, patiently);
        await sub.close();
      }
    } finally {
      await core.instance.stop?.();
      await js.instance.stop?.();
    }
  });

  it("JetStream: every resolved publish, before and after the restart, reaches a group and an ungrouped subscriber", async () => {
    const nats = await startNats({ url: server.url, jetstream: true, reconnectWaitMs: 50, requestTimeoutMs: 1000 });
    try {
      const { pubsub } = nats;
      const subscribers = [await pubsub.subscribe(subscription("ledger", "bookkeepers")), await pubsub.subscribe(subscription("ledger"))];
      const received = subscribers.map((sub) => {
        const ids = new Set<string>();
        read(sub, (message) => {
          ids.add(message.messageId);
          void sub.ack([message.messageId]);
        });
        return ids;
      });
      const acknowledged: string[] = [];
      let publishing = true;
      const publisher = (async () => {
        for (let i = 0; publishing; i++) {
          try {
            acknowledged.push(await pubsub.publish("ledger", bytes(`entry ${i}`), {}));
          } catch {
            await sleep(20);
          }
        }
      })();

      await expect.poll(() => acknowledged.length, patiently).toBeGreaterThan(100);
      await server.kill();
      const beforeKill = acknowledged.length;
      await server.restart();
      await expect.poll(() => acknowledged.length, { ...patiently, timeout: 30_000 }).toBeGreaterThan(beforeKill + 100);
      publishing = false;
      await publisher;

      await vi.waitFor(
        () => {
          for (const ids of received) {
            const missing = acknowledged.filter((id) => !ids.has(id));
            expect(missing).toEqual([]);
          }
        },
        { ...patiently, timeout: 60_000 },
      );
      expect(nats.logs).toContainEqual(expect.objectContaining({ msg: "reconnected to NATS" }));
      expect(acknowledged.length).toBeGreaterThan(beforeKill);
    } finally {
      await nats.instance.stop?.();
    }
  });
});
