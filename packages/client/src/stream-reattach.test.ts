// Several proxy URLs: a subscription and a registry listener whose proxy goes away re-attach on another
// endpoint and keep delivering. Two in-process memstore patterns; the first one is stopped under the
// stream. (Memstore data is per server, so what is published or multicast afterwards goes to the
// surviving one directly; with a shared backend, Redis or NATS, any proxy would do.)
import { type Socket, createConnection, createServer } from "node:net";
import { afterEach, expect, it } from "vitest";
import { type RegistryServer, startRegistryServer } from "../test/registry-server.js";
import { type ReattachEvent, UnavailableError } from "./index.js";
import { createPrismClient } from "./prism-client.js";

const servers: RegistryServer[] = [];
async function start(): Promise<RegistryServer> {
  const server = await startRegistryServer();
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close().catch(() => {})));
});

it("re-attaches a subscription on the other endpoint when its proxy stops, and reports the gap", async () => {
  const [doomed, survivor] = [await start(), await start()];
  const client = createPrismClient({ url: [doomed.url, survivor.url] });
  const reattached: Array<ReattachEvent & { guarantee: string }> = [];
  const subscription = client.pubsub.subscribe("orders.moved", { onReattach: (event) => reattached.push(event) });
  await subscription.ready;
  const direct = { doomed: createPrismClient({ url: doomed.url }), survivor: createPrismClient({ url: survivor.url }) };
  const received: string[] = [];
  const receiving = (async () => {
    for await (const message of subscription) {
      received.push(message.text());
      if (message.text() === "after") return;
    }
  })();
  // The first subscribe went to the first endpoint.
  await direct.doomed.pubsub.publish("orders.moved", "before");
  await expect.poll(() => received).toEqual(["before"]);
  await doomed.close();
  await expect.poll(() => reattached.length, { timeout: 5_000 }).toBe(1);
  expect(reattached[0]?.error).toBeInstanceOf(UnavailableError);
  expect(reattached[0]?.guarantee).toBe("at-most-once");
  await direct.survivor.pubsub.publish("orders.moved", "after");
  await receiving;
  expect(received).toEqual(["before", "after"]);
});

it("re-attaches a registry listener on the other endpoint when its proxy stops", async () => {
  const [doomed, survivor] = [await start(), await start()];
  const direct = { doomed: createPrismClient({ url: doomed.url }), survivor: createPrismClient({ url: survivor.url }) };
  await direct.doomed.registry.register("device-1", { room: "a" }, { keepAlive: false, ttlMs: 60_000 });
  await direct.survivor.registry.register("device-1", { room: "a" }, { keepAlive: false, ttlMs: 60_000 });
  const client = createPrismClient({ url: [doomed.url, survivor.url] });
  const reattached: ReattachEvent[] = [];
  const listener = client.registry.listen("device-1", { onReattach: (event) => reattached.push(event) });
  await listener.ready;
  const received: string[] = [];
  const receiving = (async () => {
    for await (const delivery of listener) {
      received.push(delivery.text());
      if (delivery.text() === "after") return;
    }
  })();
  await direct.doomed.registry.multicast(undefined, "before");
  await expect.poll(() => received).toEqual(["before"]);
  await doomed.close();
  await expect.poll(() => reattached.length, { timeout: 5_000 }).toBe(1);
  await direct.survivor.registry.multicast(undefined, "after");
  await receiving;
  expect(received).toEqual(["before", "after"]);
});

/** A TCP forwarder to `target` that can be cut abruptly (connections destroyed, like a proxy that died). */
async function startForwarder(target: string): Promise<{ url: string; cut(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = createConnection(Number(port), hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

it("re-attaches a subscription when the connection to its proxy is lost abruptly", async () => {
  const [behind, survivor] = [await start(), await start()];
  const forwarder = await startForwarder(behind.url);
  const client = createPrismClient({ url: [forwarder.url, survivor.url] });
  const reattached: ReattachEvent[] = [];
  const subscription = client.pubsub.subscribe("orders.cut", { onReattach: (event) => reattached.push(event) });
  await subscription.ready;
  const received: string[] = [];
  const receiving = (async () => {
    for await (const message of subscription) {
      received.push(message.text());
      return;
    }
  })();
  receiving.catch(() => {}); // awaited below
  await forwarder.cut();
  await expect.poll(() => reattached.length, { timeout: 5_000 }).toBe(1);
  expect(reattached[0]?.error).toBeInstanceOf(UnavailableError);
  await createPrismClient({ url: survivor.url }).pubsub.publish("orders.cut", "after");
  await receiving;
  expect(received).toEqual(["after"]);
});

it("subscribes and listens on another endpoint when the first one is down from the start", async () => {
  const [live, dead] = [await start(), await start()];
  const deadUrl = dead.url;
  await dead.close();
  const direct = createPrismClient({ url: live.url });
  await direct.registry.register("device-2", {}, { keepAlive: false, ttlMs: 60_000 });
  const client = createPrismClient({ url: [deadUrl, live.url] });
  const subscription = client.pubsub.subscribe("orders.late");
  expect((await subscription.ready).guarantee).toBe("at-most-once");
  // A client of its own, so that its first Listen goes to the dead endpoint too.
  const listener = createPrismClient({ url: [deadUrl, live.url] }).registry.listen("device-2");
  expect(await listener.ready).toEqual({ identity: "device-2" });
  await direct.pubsub.publish("orders.late", "m");
  await direct.registry.multicast(undefined, "d");
  for await (const message of subscription) {
    expect(message.text()).toBe("m");
    break;
  }
  for await (const delivery of listener) {
    expect(delivery.text()).toBe("d");
    break;
  }
});

it("ends a subscription with UnavailableError when its only proxy stops (one URL: no re-attach)", async () => {
  const only = await start();
  const subscription = createPrismClient({ url: only.url }).pubsub.subscribe("orders.single");
  await subscription.ready;
  const ending = (async () => {
    for await (const _ of subscription) {
      // nothing is published
    }
  })().then(
    () => "ended",
    (error: unknown) => error,
  );
  await only.close();
  expect(await ending).toBeInstanceOf(UnavailableError);
});
