// End-to-end tests of the registry client (prism.registry) against a real server: the memstore pattern
// served over gRPC. Covers register / heartbeat / unregister / get, the keep-alive handle, enumerate with
// the three filter forms, multicast with listeners, presence, typed errors and the token.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransportUnderTest } from "../test/transport-under-test.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { and, cond } from "../test/filter-nodes.js";
import { type RegistryServer, startRegistryServer } from "../test/registry-server.js";
import {
  AlreadyExistsError,
  IdentityNotFoundError,
  InvalidArgumentError,
  type PrismClient,
  type PrismError,
  type RegistryDelivery,
  UnavailableError,
  createPrismClient,
} from "./index.js";

/** Calls seen by the transport, by method name, with their authorization header. */
type SeenCalls = { methods: string[]; authorizations: (string | null)[]; failHeartbeats: boolean };

let server: RegistryServer;
let client: PrismClient;
const seen: SeenCalls = { methods: [], authorizations: [], failHeartbeats: false };

/** Records every call and, while `failHeartbeats` is set, fails Heartbeat with UNAVAILABLE (a backend outage). */
const recorder: Interceptor = (next) => async (request) => {
  seen.methods.push(request.method.name);
  seen.authorizations.push(request.header.get("authorization"));
  if (seen.failHeartbeats && request.method.name === "Heartbeat") throw new ConnectError("backend down", Code.Unavailable);
  return next(request);
};

/** A unique identity per test, so tests do not see each other's registrations. */
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

/** The error a promise rejects with. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error as PrismError,
  );

beforeAll(async () => {
  server = await startRegistryServer();
  client = createPrismClient({
    transport: createGrpcTransportUnderTest({ baseUrl: server.url, interceptors: [recorder] }),
    token: "t0ken",
  });
});
afterAll(() => server.close());

describe("registry: register, get, heartbeat, unregister", () => {
  it("registers with typed metadata and reads it back", async () => {
    const identity = unique("device");
    const metadata = { type: "sensor", floor: 2, online: true, tags: ["temp", "humidity"], ratio: -0.25 };
    const registration = await client.registry.register(identity, metadata, { ttlMs: 60_000, keepAlive: false });
    expect(registration.identity).toBe(identity);
    expect(registration.registeredAt).toBeInstanceOf(Date);
    expect(registration.expiresAt.getTime() - registration.registeredAt.getTime()).toBe(60_000);
    const got = await client.registry.get(identity);
    expect(got).toEqual({ identity, metadata, registeredAt: registration.registeredAt, expiresAt: registration.expiresAt });
    await registration.close();
  });

  it("uses the namespace's default TTL when none is given, and rounds fractions up", async () => {
    const identity = unique("default-ttl");
    const registration = await client.registry.register(identity, {}, { keepAlive: false });
    expect(registration.expiresAt.getTime() - registration.registeredAt.getTime()).toBe(60_000);
    const fraction = await client.registry.register(unique("fraction"), {}, { keepAlive: false, ttlMs: 1000.2 });
    expect(fraction.expiresAt.getTime() - fraction.registeredAt.getTime()).toBe(1001);
    await Promise.all([registration.close(), fraction.close()]);
  });

  it("refuses a live identity unless replace, with AlreadyExistsError", async () => {
    const identity = unique("dup");
    const first = await client.registry.register(identity, { v: 1 }, { keepAlive: false });
    const error = await failure(client.registry.register(identity, { v: 2 }, { keepAlive: false }));
    expect(error).toBeInstanceOf(AlreadyExistsError);
    expect(error.codeName).toBe("ALREADY_EXISTS");
    const second = await client.registry.register(identity, { v: 2 }, { keepAlive: false, replace: true });
    expect((await client.registry.get(identity)).metadata).toEqual({ v: 2 });
    await second.close();
    await first.close();
  });

  it("heartbeats, unregisters and reports a missing identity as IdentityNotFoundError", async () => {
    const identity = unique("beat");
    const registration = await client.registry.register(identity, {}, { ttlMs: 10_000, keepAlive: false });
    const extended = await client.registry.heartbeat(identity, 120_000);
    expect(extended.getTime()).toBeGreaterThan(registration.expiresAt.getTime());
    expect((await client.registry.get(identity)).expiresAt).toEqual(extended);
    expect(await client.registry.unregister(identity)).toBe(true);
    expect(await client.registry.unregister(identity)).toBe(false);

    for (const call of [client.registry.get(identity), client.registry.heartbeat(identity)]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(IdentityNotFoundError);
      expect(error).toMatchObject({ identity, code: Code.NotFound, codeName: "NOT_FOUND" });
      expect(error.message).toMatch(/is not registered.*\(NOT_FOUND\)$/);
    }
    await registration.close();
  });

  it("refuses bad metadata and TTLs locally, and what the server refuses with InvalidArgumentError", async () => {
    const before = seen.methods.length;
    const bad: [unknown, RegExp][] = [
      [{ floor: Number.NaN }, /^metadata\.floor: a number must be finite/],
      [{ when: new Date() }, /^metadata\.when: expects a string, a finite number, a boolean or a list of strings, got a object/],
      [{ tags: ["a", 1] }, /^metadata\.tags: .* got a list that holds more than strings/],
      [{ gone: null }, /^metadata\.gone: .* got null/],
    ];
    for (const [metadata, message] of bad) {
      const error = await failure(client.registry.register("x", metadata as never));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.rawMessage).toMatch(message);
    }
    await expect(client.registry.register("x", {}, { ttlMs: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(client.registry.register("x", {}, { heartbeatIntervalMs: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(client.registry.heartbeat("x", Number.NaN)).rejects.toThrow(InvalidArgumentError);
    expect(seen.methods.length).toBe(before);

    await expect(client.registry.register("", {})).rejects.toThrow(InvalidArgumentError);
    const reserved = await failure(client.registry.register(unique("r"), { identity: "x" }));
    expect(reserved).toBeInstanceOf(InvalidArgumentError);
    expect(reserved.rawMessage).toMatch(/"identity" is reserved/);
  });
});

describe("registry: the registration handle", () => {
  it("closes once, unregistering; every close shares one promise", async () => {
    const identity = unique("handle");
    const registration = await client.registry.register(identity, {}, { keepAlive: false });
    expect(registration.closed).toBe(false);
    const closing = registration.close();
    expect(registration.closed).toBe(true);
    expect(registration.close()).toBe(closing);
    await closing;
    await expect(client.registry.get(identity)).rejects.toBeInstanceOf(IdentityNotFoundError);
  });

  it("keeps itself alive: heartbeats move the expiry on the server", async () => {
    const identity = unique("alive");
    const registration = await client.registry.register(identity, {}, { ttlMs: 30_000, heartbeatIntervalMs: 20 });
    const first = registration.expiresAt.getTime();
    await vi.waitFor(async () => expect((await client.registry.get(identity)).expiresAt.getTime()).toBeGreaterThan(first), {
      timeout: 10_000,
    });
    expect(registration.expiresAt.getTime()).toBeGreaterThan(first);
    await registration.close();
    await expect(client.registry.get(identity)).rejects.toBeInstanceOf(IdentityNotFoundError);
  });

  it("heartbeats every third of the granted TTL by default", async () => {
    const identity = unique("third");
    const registration = await client.registry.register(identity, {}, { ttlMs: 300 });
    const first = registration.expiresAt.getTime();
    // Three heartbeats later it is still registered, past its first expiry.
    await vi.waitFor(() => expect(registration.expiresAt.getTime()).toBeGreaterThan(first + 250), { timeout: 10_000 });
    expect((await client.registry.get(identity)).identity).toBe(identity);
    await registration.close();
  });

  it("re-registers with the same metadata when a heartbeat finds the identity expired", async () => {
    const identity = unique("expired");
    const errors: PrismError[] = [];
    // The TTL runs out long before the first heartbeat, as if the process had been paused.
    const registration = await client.registry.register(
      identity,
      { zone: "a", n: 1 },
      { ttlMs: 1, heartbeatIntervalMs: 100, onError: (e) => errors.push(e) },
    );
    const first = registration.registeredAt.getTime();
    await vi.waitFor(() => expect(registration.registeredAt.getTime()).toBeGreaterThan(first), { timeout: 10_000 });
    await registration.close();
    expect(errors).toEqual([]);

    const stays = await client.registry.register(unique("stays"), { zone: "b" }, { ttlMs: 60_000, heartbeatIntervalMs: 50 });
    await client.registry.unregister(stays.identity);
    await vi.waitFor(async () => expect((await client.registry.get(stays.identity)).metadata).toEqual({ zone: "b" }), { timeout: 10_000 });
    await stays.close();
  });

  it("reports other keep-alive failures to onError and recovers at a later tick", async () => {
    const identity = unique("flaky");
    const errors: PrismError[] = [];
    seen.failHeartbeats = true;
    try {
      const registration = await client.registry.register(
        identity,
        {},
        { ttlMs: 60_000, heartbeatIntervalMs: 20, onError: (e) => errors.push(e) },
      );
      await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      expect(errors[0]).toBeInstanceOf(UnavailableError);
      expect(errors[0]?.rawMessage).toBe("backend down");
      seen.failHeartbeats = false;
      const before = registration.expiresAt.getTime();
      await vi.waitFor(() => expect(registration.expiresAt.getTime()).toBeGreaterThan(before), { timeout: 10_000 });
      await registration.close();
    } finally {
      seen.failHeartbeats = false;
    }
  });

  it("closes (unregistering) when its signal aborts, and never registers with an aborted signal", async () => {
    const identity = unique("abort");
    const controller = new AbortController();
    const registration = await client.registry.register(identity, {}, { signal: controller.signal });
    controller.abort();
    expect(registration.closed).toBe(true);
    await registration.close();
    await expect(client.registry.get(identity)).rejects.toBeInstanceOf(IdentityNotFoundError);

    const aborted = AbortSignal.abort();
    const error = await failure(client.registry.register(unique("never"), {}, { signal: aborted }));
    expect(error.codeName).toBe("CANCELLED");
  });
});

describe("registry: enumerate", () => {
  const prefix = unique("fleet");
  const fleet = Array.from({ length: 25 }, (_, i) => ({
    identity: `${prefix}-${String(i).padStart(2, "0")}`,
    metadata: { type: i % 5 === 0 ? "camera" : "sensor", floor: i % 4, zone: i % 2 === 0 ? "a" : "b", tags: i % 3 === 0 ? ["x"] : [] },
  }));
  const ids = (list: { identity: string }[]) => list.map((each) => each.identity);

  beforeAll(async () => {
    for (const each of fleet) await client.registry.register(each.identity, each.metadata, { keepAlive: false });
  });

  it("iterates over every match across pages, in identity order, with metadata", async () => {
    const expected = fleet.filter((each) => each.metadata.type === "sensor" && each.metadata.floor >= 2);
    const before = seen.methods.filter((name) => name === "Enumerate").length;
    const found = [];
    for await (const each of client.registry.enumerate(
      { identity: { $prefix: prefix }, type: "sensor", floor: { $gte: 2 } },
      { pageSize: 3 },
    )) {
      found.push(each);
    }
    expect(ids(found)).toEqual(ids(expected));
    expect(found.map((each) => each.metadata)).toEqual(expected.map((each) => each.metadata));
    expect(found.every((each) => each.registeredAt instanceof Date && each.expiresAt > each.registeredAt)).toBe(true);
    expect(seen.methods.filter((name) => name === "Enumerate").length - before).toBe(Math.ceil(expected.length / 3));
  });

  it("selects the same identities with the JSON form, the string form and a wire Filter", async () => {
    const collect = async (filter: Parameters<typeof client.registry.enumerate>[0]) => {
      const found = [];
      for await (const each of client.registry.enumerate(filter, { includeMetadata: false })) found.push(each);
      return found;
    };
    const json = await collect({ identity: { $prefix: prefix }, $or: [{ zone: "a", floor: { $lt: 2 } }, { tags: { $contains: "x" } }] });
    const text = await collect(`identity prefix "${prefix}" and (zone = "a" and floor < 2 or tags contains "x")`);
    const wire = await collect(and(cond("identity", "prefix", prefix), cond("tags", "contains", "x")));
    const expected = fleet.filter((each) => (each.metadata.zone === "a" && each.metadata.floor < 2) || each.metadata.tags.includes("x"));
    expect(ids(json)).toEqual(ids(expected));
    expect(ids(text)).toEqual(ids(expected));
    expect(ids(wire)).toEqual(ids(fleet.filter((each) => each.metadata.tags.includes("x"))));
    expect(json.every((each) => Object.keys(each.metadata).length === 0)).toBe(true);
  });

  it("pages by hand with enumeratePage: cursor, limit, total count", async () => {
    const filter = { identity: { $prefix: prefix } };
    const first = await client.registry.enumeratePage(filter, { limit: 10 });
    expect(ids(first.identities)).toEqual(ids(fleet.slice(0, 10)));
    expect(first.totalCount).toBe(25);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.registry.enumeratePage(filter, { limit: 10, cursor: first.nextCursor as string });
    expect(ids(second.identities)).toEqual(ids(fleet.slice(10, 20)));
    const third = await client.registry.enumeratePage(filter, { limit: 10, cursor: second.nextCursor as string, includeMetadata: false });
    expect(ids(third.identities)).toEqual(ids(fleet.slice(20)));
    expect(third.identities[0]?.metadata).toEqual({});
    expect(third.nextCursor).toBeUndefined();
  });

  it("stops fetching pages when the loop breaks early", async () => {
    const before = seen.methods.filter((name) => name === "Enumerate").length;
    for await (const each of client.registry.enumerate({ identity: { $prefix: prefix } }, { pageSize: 2 })) {
      expect(each.identity).toBe(fleet[0]?.identity);
      break;
    }
    expect(seen.methods.filter((name) => name === "Enumerate").length - before).toBe(1);
  });

  it("refuses a bad filter before sending it, and reports the server's refusal of a wire Filter", async () => {
    const before = seen.methods.length;
    const iterate = async (filter: Parameters<typeof client.registry.enumerate>[0]) => {
      for await (const _ of client.registry.enumerate(filter)) {
        // unreachable
      }
    };
    const json = await failure(iterate({ $or: [{ zone: "a" }, { floor: { $gte: true } }] } as never));
    expect(json).toBeInstanceOf(InvalidArgumentError);
    expect(json.rawMessage).toBe("$or[1].floor: $gte expects a number or a string, got boolean true");
    const text = await failure(client.registry.enumeratePage("floor >= true"));
    expect(text.rawMessage).toBe('column 10: >= expects a number or a string, found "true"');
    await expect(client.registry.multicast({ a: { $regex: "x" } } as never, "x")).rejects.toThrow(InvalidArgumentError);
    expect(seen.methods.length).toBe(before);

    const wire = await failure(iterate(cond("floor", "gte", true)));
    expect(wire).toBeInstanceOf(InvalidArgumentError);
    expect(wire.rawMessage).toMatch(/^filter\.condition\(floor\): gte expects a number or a string/);
  });

  it("checks the client's filter limits, which the client options can raise", async () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, i]));
    await expect(client.registry.enumeratePage(many)).rejects.toThrow("f20: the filter has more than 20 conditions");
    const raised = createPrismClient({ url: server.url, registryFilterLimits: { maxLeaves: 21 } });
    // Past the client, the server's own limit (20 by default) still applies.
    const error = await failure(raised.registry.enumeratePage(many));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.rawMessage).toMatch(/more than 20 conditions \(limits\.maxFilterLeaves\)/);
    expect(() => createPrismClient({ url: server.url, registryFilterLimits: { maxDepth: 0 } })).toThrow(InvalidArgumentError);
  });
});

describe("registry: multicast and listen", () => {
  it("delivers to listeners and reports every target's status", async () => {
    const zone = unique("zone");
    const [a, b, c] = [unique("m-a"), unique("m-b"), unique("m-c")].sort();
    const registrations = await Promise.all([a, b, c].map((identity) => client.registry.register(identity as string, { zone })));
    const listenerA = client.registry.listen(a as string);
    const listenerB = client.registry.listen(b as string);
    expect(await listenerA.ready).toEqual({ identity: a });
    await listenerB.ready;

    const result = await client.registry.multicast({ zone }, "reboot", {
      contentType: "text/plain",
      metadata: { by: "test" },
      timeoutMs: 2000,
    });
    expect(result).toEqual({
      targetCount: 3,
      deliveredCount: 2,
      statuses: [
        { identity: a, status: "DELIVERED", message: "" },
        { identity: b, status: "DELIVERED", message: "" },
        { identity: c, status: "NOT_LISTENING", message: "" },
      ],
    });
    for (const listener of [listenerA, listenerB]) {
      const { value } = (await listener[Symbol.asyncIterator]().next()) as IteratorResult<RegistryDelivery>;
      expect(value.text()).toBe("reboot");
      expect(value.payload).toEqual(new TextEncoder().encode("reboot"));
      expect(value.contentType).toBe("text/plain");
      expect(value.metadata).toEqual({ by: "test" });
      expect(value.messageId).not.toBe("");
      expect(value.sentAt).toBeInstanceOf(Date);
    }
    const bytes = await client.registry.multicast(`zone = "${zone}" and identity = "${a}"`, new Uint8Array([0, 255]));
    expect(bytes.deliveredCount).toBe(1);
    const next = await listenerA[Symbol.asyncIterator]().next();
    expect(next.done ? undefined : next.value.payload).toEqual(new Uint8Array([0, 255]));

    listenerA.close();
    listenerB.close();
    expect((await listenerA[Symbol.asyncIterator]().next()).done).toBe(true);
    await Promise.all(registrations.map((each) => each.close()));
  });

  it("reaches every identity with no filter and nobody with a filter matching none", async () => {
    const nobody = await client.registry.multicast({ identity: unique("nobody") }, "x");
    expect(nobody).toEqual({ targetCount: 0, deliveredCount: 0, statuses: [] });
    const everyone = await client.registry.multicast(undefined, "x", { timeoutMs: 1000 });
    expect(everyone.targetCount).toBe(everyone.statuses.length);
    expect(everyone.targetCount).toBeGreaterThan(0);
  });

  it("iterates deliveries with for await until the loop ends, which closes the listener", async () => {
    const identity = unique("loop");
    const registration = await client.registry.register(identity, {});
    const listener = client.registry.listen(identity);
    await listener.ready;
    const sending = (async () => {
      for (const text of ["one", "two", "three"]) await client.registry.multicast({ identity }, text);
    })();
    const received: string[] = [];
    for await (const delivery of listener) {
      received.push(delivery.text());
      if (received.length === 3) break;
    }
    await sending;
    expect(received).toEqual(["one", "two", "three"]);
    const after = await client.registry.multicast({ identity }, "late");
    expect(after.statuses[0]?.status).toBe("NOT_LISTENING");
    await registration.close();
  });

  it("ends the registration with the stream when unregisterOnClose (presence)", async () => {
    const identity = unique("presence");
    const registration = await client.registry.register(identity, {}, { keepAlive: false });
    const controller = new AbortController();
    const listener = client.registry.listen(identity, { unregisterOnClose: true, signal: controller.signal });
    await listener.ready;
    controller.abort();
    await vi.waitFor(() => expect(client.registry.get(identity)).rejects.toBeInstanceOf(IdentityNotFoundError), { timeout: 10_000 });
    await registration.close();
  });

  it("refuses to listen for an identity that is not registered", async () => {
    const identity = unique("ghost");
    const listener = client.registry.listen(identity);
    const error = await failure(listener.ready);
    expect(error).toBeInstanceOf(IdentityNotFoundError);
    expect(error).toMatchObject({ identity });
    await expect(listener[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(IdentityNotFoundError);
  });
});

describe("registry: the client's settings", () => {
  it("sends the token on every registry call, the stream too", async () => {
    const identity = unique("token");
    seen.authorizations.length = 0;
    const registration = await client.registry.register(identity, {});
    const listener = client.registry.listen(identity);
    await listener.ready;
    await client.registry.multicast({ identity }, "x");
    for await (const _ of client.registry.enumerate({ identity })) {
      // one page
    }
    listener.close();
    await registration.close();
    expect(seen.authorizations.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen.authorizations)).toEqual(new Set(["Bearer t0ken"]));
  });

  it("is there on every namespace client", () => {
    expect(client.withNamespace("other").registry).toBeDefined();
    expect(client.registry).not.toBe(client.withNamespace("other").registry);
  });
});
