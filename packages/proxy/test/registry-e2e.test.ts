// End to end: the Multicast Registry across two real proxy executables sharing one redis-server
// (and one nats-server for NATS messaging): an identity registered and listening on proxy A is
// found by Enumerate on proxy B, and a Multicast sent through B is DELIVERED to A's listener —
// with Redis pub/sub messaging in-process, as a pattern process, and with NATS messaging; over
// gRPC and Connect. Presence ends the registration everywhere when A's Listen stream ends.
// Filters nested past the limits are INVALID_ARGUMENT, never a crash.
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { createPrismClient, type PrismClient, type PrismError, type RegistryDelivery } from "@prism/client";
import { Comparison, type Filter, FilterSchema } from "@prism/proto/registry/v1";
import { type NatsServer, type RedisServer, startNatsServer, startRedisServer } from "@prism/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ProxyProcess, startProxyProcess } from "../src/testing/index.js";

let redis: RedisServer;
let nats: NatsServer;
let proxyA: ProxyProcess;
let proxyB: ProxyProcess;

beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedisServer(), startNatsServer()]);
  const namespaces = {
    fleet: { registry: { backend: "redis", config: { url: redis.url } } },
    "fleet-proc": { registry: { backend: "redis", isolation: "process", config: { url: redis.url } } },
    "fleet-nats": { registry: { backend: "redis", config: { url: redis.url, messaging: { backend: "nats", url: nats.url } } } },
  };
  [proxyA, proxyB] = await Promise.all([startProxyProcess({ config: { namespaces } }), startProxyProcess({ config: { namespaces } })]);
});
afterAll(async () => {
  await Promise.all([proxyA?.stop(), proxyB?.stop()]);
  await Promise.all([redis?.stop(), nats?.stop()]);
});

/** A client of `namespace` on `proxy`. */
function client(proxy: ProxyProcess, namespace: string, protocol: "grpc" | "connect"): PrismClient {
  return createPrismClient({ url: proxy.url, namespace, protocol, ...(protocol === "connect" ? { httpVersion: "1.1" as const } : {}) });
}

describe.each(["fleet", "fleet-proc", "fleet-nats"])("namespace %s shared by two proxies", (namespace) => {
  it.each(["grpc", "connect"] as const)("over %s: a multicast through one proxy reaches a listener on the other", async (protocol) => {
    const a = client(proxyA, namespace, protocol);
    const b = client(proxyB, namespace, protocol);
    const device = `device-${protocol}`;
    const silent = `silent-${protocol}`;
    const registration = await a.registry.register(device, { kind: "thermostat", floor: 3 }, { ttlMs: 30_000 });
    const quiet = await a.registry.register(silent, { kind: "thermostat", floor: 1 }, { ttlMs: 30_000 });
    const listener = a.registry.listen(device);
    await listener.ready;
    const received: RegistryDelivery[] = [];
    const reading = (async () => {
      for await (const delivery of listener) received.push(delivery);
    })();

    const found = [];
    for await (const each of b.registry.enumerate({ kind: "thermostat", identity: { $suffix: protocol } })) found.push(each);
    expect(found.map((each) => [each.identity, each.metadata.floor])).toEqual([
      [device, 3],
      [silent, 1],
    ]);

    const result = await b.registry.multicast(`kind = "thermostat" and identity suffix "${protocol}"`, "set 21C", {
      contentType: "text/plain",
      metadata: { by: "controller" },
      timeoutMs: 3000,
    });
    expect(result).toMatchObject({
      targetCount: 2,
      deliveredCount: 1,
      statuses: [
        { identity: device, status: "DELIVERED" },
        { identity: silent, status: "NOT_LISTENING" },
      ],
    });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]?.text()).toBe("set 21C");
    expect(received[0]?.contentType).toBe("text/plain");
    expect(received[0]?.metadata).toEqual({ by: "controller" });

    listener.close();
    await reading;
    await registration.close();
    await quiet.close();
    expect(await b.registry.unregister(device)).toBe(false);
  });

  it("ends a presence registration on every proxy when its Listen stream ends", async () => {
    const a = client(proxyA, namespace, "grpc");
    const b = client(proxyB, namespace, "grpc");
    await a.registry.register("presence-1", { kind: "phone" }, { ttlMs: 60_000, keepAlive: false });
    const listener = a.registry.listen("presence-1", { unregisterOnClose: true });
    await listener.ready;
    expect((await b.registry.get("presence-1")).metadata).toEqual({ kind: "phone" });
    listener.close();
    await vi.waitFor(async () => expect(await b.registry.enumeratePage({ identity: "presence-1" })).toMatchObject({ totalCount: 0 }));
  });
});

describe("hostile filters", () => {
  it.each(["grpc", "connect"] as const)(
    "over %s: past the depth limit, and past the decoder's recursion limit, are INVALID_ARGUMENT",
    async (protocol) => {
      const nested = (levels: number): Filter => {
        let filter = create(FilterSchema, { node: { case: "condition", value: { field: "a", op: Comparison.EXISTS } } });
        for (let level = 0; level < levels; level++) filter = create(FilterSchema, { node: { case: "not", value: filter } });
        return filter;
      };
      const b = client(proxyB, "fleet", protocol);
      for (const levels of [6, 150]) {
        const error = (await b.registry.enumeratePage(nested(levels)).catch((caught: unknown) => caught)) as PrismError;
        expect(error.code, `${levels} levels: ${error.message}`).toBe(Code.InvalidArgument);
      }
      expect((await b.registry.enumeratePage(nested(4))).totalCount).toBeGreaterThanOrEqual(0);
    },
  );
});
