// End to end PubSub through the real proxy on a harness-owned nats-server: core NATS
// (at-most-once) resumes after a server restart; JetStream (at-least-once) loses no acknowledged
// publish across a restart, redelivers what a departed subscriber did not ack, and acks work
// from @prism/client (also over the Connect protocol, as a browser would).
import { DeadlineExceededError, UnavailableError, createPrismClient, type ReceivedMessage, type Subscription } from "@prism/client";
import { startNatsServer, type NatsServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

let nats: NatsServer;
let proxy: ProxyProcess;

beforeAll(async () => {
  nats = await startNatsServer();
  proxy = await startProxyProcess({
    config: {
      namespaces: {
        events: { pubsub: { backend: "nats", config: { url: nats.url } } },
        jobs: { pubsub: { backend: "nats", isolation: "process", config: { url: nats.url, jetstream: true, ackWaitMs: 2000 } } },
      },
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await nats?.stop();
});

/** Collects messages of a subscription in the background. */
function collect(subscription: Subscription, onMessage?: (m: ReceivedMessage) => Promise<void>) {
  const messages: ReceivedMessage[] = [];
  const done = (async () => {
    for await (const message of subscription) {
      messages.push(message);
      await onMessage?.(message);
    }
  })().catch(() => {});
  return { messages, done };
}

/** Publishes, retrying while the backend is unavailable (or the outcome unknown); resolves with the acknowledged id. */
async function publishSurely(publish: () => Promise<string>): Promise<string> {
  for (;;) {
    try {
      return await publish();
    } catch (error) {
      if (!(error instanceof UnavailableError || error instanceof DeadlineExceededError)) throw error;
    }
  }
}

describe("core NATS through the proxy", () => {
  it("resumes delivery to an existing subscriber after nats-server restarts", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "events", timeoutMs: 3000 });
    const subscription = client.pubsub.subscribe("sensors.temp");
    expect((await subscription.ready).guarantee).toBe("at-most-once");
    const { messages } = collect(subscription);
    await client.pubsub.publish("sensors.temp", "before");
    await vi.waitFor(() => expect(messages.map((m) => m.text())).toContain("before"), { timeout: 10_000, interval: 25 });

    await nats.restart();
    await vi.waitFor(
      async () => {
        await client.pubsub.publish("sensors.temp", "after").catch(() => {});
        expect(messages.map((m) => m.text())).toContain("after");
      },
      { timeout: 20_000, interval: 200 },
    );
    subscription.close();
  });
});

describe("JetStream through the proxy", () => {
  it("loses no acknowledged publish across a nats-server restart", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "jobs", timeoutMs: 3000 });
    const subscription = client.pubsub.subscribe("orders.created", { group: "billing" });
    expect((await subscription.ready).guarantee).toBe("at-least-once");
    const { messages } = collect(subscription, (m) => m.ack().catch(() => {}));

    const acknowledged: string[] = [];
    for (let i = 0; i < 100; i++) {
      if (i === 50) await nats.restart();
      acknowledged.push(await publishSurely(() => client.pubsub.publish("orders.created", `order-${i}`)));
    }
    await vi.waitFor(
      () => {
        const received = new Set(messages.map((m) => m.messageId));
        expect(acknowledged.filter((id) => !received.has(id))).toEqual([]);
      },
      { timeout: 30_000, interval: 100 },
    );
    subscription.close();
  });

  it("redelivers what a departed group member did not ack to another member", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "jobs" });
    const quitter = client.pubsub.subscribe("tasks.resize", { group: "workers" });
    await quitter.ready;
    const id = await client.pubsub.publish("tasks.resize", "image-1");
    for await (const message of quitter) {
      expect(message.messageId).toBe(id);
      break; // leaves without acking
    }
    const worker = client.pubsub.subscribe("tasks.resize", { group: "workers" });
    await worker.ready;
    for await (const message of worker) {
      expect(message.messageId).toBe(id);
      expect(message.deliveryAttempt).toBeGreaterThanOrEqual(2);
      await message.ack();
      break;
    }
  });

  it("acks over the Connect protocol (what a browser uses)", async () => {
    const client = createPrismClient({ url: proxy.url, namespace: "jobs", protocol: "connect", httpVersion: "1.1" });
    const subscription = client.pubsub.subscribe("browser.clicks", { group: "ui" });
    await subscription.ready;
    const id = await client.pubsub.publish("browser.clicks", "click");
    for await (const message of subscription) {
      expect(message.messageId).toBe(id);
      await message.ack();
      break;
    }
  });
});
