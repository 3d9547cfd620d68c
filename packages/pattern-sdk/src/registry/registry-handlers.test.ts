// Unit tests of the RegistryService handlers over a tiny in-test store and LocalRegistryMessaging:
// validation against the limits, NOT_FOUND, opaque cursors, Listen (NOT_FOUND before registration,
// Listening first, presence), and Multicast statuses (DELIVERED, NOT_LISTENING, FAILED, TIMEOUT
// from a messaging slot that never answers), target limits and payload limits.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  Comparison,
  DeliveryStatus,
  EnumerateRequestSchema,
  type Filter,
  FilterSchema,
  GetRequestSchema,
  HeartbeatRequestSchema,
  ListenRequestSchema,
  type ListenResponseSchema,
  MulticastRequestSchema,
  RegisterRequestSchema,
  UnregisterRequestSchema,
  type Value,
  ValueSchema,
} from "@prism/proto/registry/v1";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CallContext } from "@prism/wire";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/config-schema.js";
import { encodeScanCursor } from "../keyvalue/scan-cursor.js";
import { pubSubLimitsSchema } from "../pubsub/pubsub-limits.js";
import { LocalRegistryMessaging } from "./local-registry-messaging.js";
import type {
  EnumeratePage,
  EnumeratePageRequest,
  RegisteredIdentity,
  RegistrationRequest,
  RegistryMessaging,
  RegistryStore,
} from "./registry-backend.js";
import { createRegistryHandlers, type RegistryHandlerLimits } from "./registry-handlers.js";
import { registryLimitsSchema } from "./registry-limits.js";

const context: CallContext = { signal: new AbortController().signal };

/** A Map-backed store that never expires anything and records what it was asked. */
class MapStore implements RegistryStore {
  readonly identities = new Map<string, RegisteredIdentity>();
  readonly registrations: RegistrationRequest[] = [];
  readonly heartbeats: [string, number][] = [];
  readonly pages: EnumeratePageRequest[] = [];
  now = 1_000;

  async register(request: RegistrationRequest) {
    this.registrations.push(request);
    if (this.identities.has(request.identity) && !request.replace) throw new ConnectError("exists", Code.AlreadyExists);
    if (!this.identities.has(request.identity) && this.identities.size >= request.maxIdentities) {
      throw new ConnectError("full", Code.ResourceExhausted);
    }
    const record = { ...request, registeredAtMs: this.now, expiresAtMs: this.now + request.ttlMs };
    this.identities.set(request.identity, record);
    return { registeredAtMs: record.registeredAtMs, expiresAtMs: record.expiresAtMs };
  }

  async heartbeat(identity: string, ttlMs: number) {
    this.heartbeats.push([identity, ttlMs]);
    const found = this.identities.get(identity);
    if (found === undefined) return undefined;
    found.expiresAtMs = this.now + (ttlMs || found.ttlMs);
    return found.expiresAtMs;
  }

  async unregister(identity: string) {
    return this.identities.delete(identity);
  }

  async get(identity: string) {
    return this.identities.get(identity);
  }

  async enumerate(request: EnumeratePageRequest): Promise<EnumeratePage> {
    this.pages.push(request);
    const matching = [...this.identities.values()]
      .filter((each) => request.filter.matches(each.identity, each.metadata))
      .sort((a, b) => (a.identity < b.identity ? -1 : 1));
    const after = matching.filter((each) => each.identity > request.after);
    return { identities: after.slice(0, request.limit), more: after.length > request.limit, totalCount: matching.length };
  }

  size() {
    return this.identities.size;
  }
}

const defaults: RegistryHandlerLimits = { ...parseConfig(registryLimitsSchema, {}), ...parseConfig(pubSubLimitsSchema, {}) };

function setup(limits: Partial<RegistryHandlerLimits> = {}, messaging?: RegistryMessaging, listenerQueue = 1024) {
  const store = new MapStore();
  const local = new LocalRegistryMessaging(listenerQueue);
  const handlers = createRegistryHandlers({ store, messaging: messaging ?? local }, { ...defaults, ...limits });
  const register = (identity: string, metadata: Record<string, MessageInitShape<typeof ValueSchema>> = {}, ttlMs = 60_000n) =>
    handlers.register(create(RegisterRequestSchema, { identity, metadata, ttlMs }), context);
  const multicast = (init: MessageInitShape<typeof MulticastRequestSchema>) =>
    handlers.multicast(create(MulticastRequestSchema, init), context);
  const enumerate = (init: MessageInitShape<typeof EnumerateRequestSchema>) =>
    handlers.enumerate(create(EnumerateRequestSchema, init), context);
  /** Opens a Listen call; `signal` ends it as a client cancel would. */
  const listen = (identity: string, unregisterOnClose = false) => {
    const controller = new AbortController();
    const stream = handlers
      .listen(create(ListenRequestSchema, { identity, unregisterOnClose }), { signal: controller.signal })
      [Symbol.asyncIterator]() as AsyncIterator<MessageInitShape<typeof ListenResponseSchema>>;
    return { stream, cancel: () => controller.abort() };
  };
  return { store, local, handlers, register, multicast, enumerate, listen };
}

function str(text: string): Value {
  return create(ValueSchema, { kind: { case: "stringValue", value: text } });
}

function where(field: string, op: Comparison, operand: Value): Filter {
  return create(FilterSchema, { node: { case: "condition", value: { field, op, value: operand } } });
}

/** The code and message a call fails with. */
async function failure(call: Promise<unknown> | (() => Promise<unknown>)): Promise<{ code: Code; message: string }> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    const connect = ConnectError.from(error);
    return { code: connect.code, message: connect.rawMessage };
  }
  throw new Error("the call succeeded");
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("Register, Heartbeat, Unregister, Get", () => {
  it("validates the identity: 1-256 characters", async () => {
    const { register, handlers } = setup();
    expect(await failure(register(""))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("identity is empty"),
    });
    expect(await failure(register("x".repeat(257)))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining("257") });
    await register("x".repeat(256));
    for (const call of [
      () => handlers.heartbeat(create(HeartbeatRequestSchema, { identity: "" }), context),
      () => handlers.unregister(create(UnregisterRequestSchema, { identity: "" }), context),
      () => handlers.get(create(GetRequestSchema, { identity: "" }), context),
    ]) {
      expect((await failure(call)).code).toBe(Code.InvalidArgument);
    }
  });

  it("applies the default TTL for 0, refuses a negative TTL or one over the limit, and passes maxIdentities", async () => {
    const { register, store } = setup({ defaultRegistrationTtlMs: 5000, maxRegistrationTtlMs: 10_000, maxIdentities: 7 });
    expect(await register("a", {}, 0n)).toMatchObject({ registeredAtMs: 1000n, expiresAtMs: 6000n });
    expect(store.registrations[0]).toMatchObject({ identity: "a", ttlMs: 5000, replace: false, maxIdentities: 7 });
    expect(await failure(register("b", {}, -1n))).toMatchObject({ code: Code.InvalidArgument, message: "ttl_ms -1 is negative" });
    expect(await failure(register("b", {}, 10_001n))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("limits.maxRegistrationTtlMs"),
    });
    await register("b", {}, 10_000n);
  });

  it("checks metadata against the limits", async () => {
    const { register } = setup({ maxIdentityMetadataEntries: 1, maxIdentityMetadataBytes: 10 });
    await register("ok", { a: { kind: { case: "stringValue", value: "123456789" } } });
    expect(
      await failure(register("many", { a: { kind: { case: "numberValue", value: 1 } }, b: { kind: { case: "numberValue", value: 2 } } })),
    ).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("limits.maxIdentityMetadataEntries"),
    });
    expect(await failure(register("big", { a: { kind: { case: "stringValue", value: "1234567890" } } }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("limits.maxIdentityMetadataBytes"),
    });
    expect((await failure(register("bad", { "no spaces": { kind: { case: "boolValue", value: true } } }))).code).toBe(Code.InvalidArgument);
  });

  it("heartbeats with the given TTL or 0 (the registered TTL), NOT_FOUND for an unknown identity", async () => {
    const { register, handlers, store } = setup({ maxRegistrationTtlMs: 100_000 });
    await register("dev", {}, 2000n);
    expect(await handlers.heartbeat(create(HeartbeatRequestSchema, { identity: "dev", ttlMs: 0n }), context)).toEqual({
      expiresAtMs: 3000n,
    });
    expect(await handlers.heartbeat(create(HeartbeatRequestSchema, { identity: "dev", ttlMs: 50_000n }), context)).toEqual({
      expiresAtMs: 51_000n,
    });
    expect(store.heartbeats).toEqual([
      ["dev", 0],
      ["dev", 50_000],
    ]);
    expect((await failure(handlers.heartbeat(create(HeartbeatRequestSchema, { identity: "dev", ttlMs: 100_001n }), context))).code).toBe(
      Code.InvalidArgument,
    );
    expect(await failure(handlers.heartbeat(create(HeartbeatRequestSchema, { identity: "nobody" }), context))).toMatchObject({
      code: Code.NotFound,
      message: expect.stringContaining('"nobody"'),
    });
  });

  it("gets an identity with its metadata, NOT_FOUND when absent; unregister is idempotent", async () => {
    const { register, handlers } = setup();
    await register("dev", { floor: { kind: { case: "numberValue", value: 2 } } });
    const got = await handlers.get(create(GetRequestSchema, { identity: "dev" }), context);
    expect(got.identity).toMatchObject({
      identity: "dev",
      metadata: { floor: { kind: { case: "numberValue", value: 2 } } },
      expiresAtMs: 61_000n,
    });
    expect(await handlers.unregister(create(UnregisterRequestSchema, { identity: "dev" }), context)).toEqual({ removed: true });
    expect(await handlers.unregister(create(UnregisterRequestSchema, { identity: "dev" }), context)).toEqual({ removed: false });
    expect((await failure(handlers.get(create(GetRequestSchema, { identity: "dev" }), context))).code).toBe(Code.NotFound);
  });
});

describe("Enumerate", () => {
  it("pages with an opaque cursor, the default and capped limits, and metadata only when asked", async () => {
    const { register, enumerate, store } = setup({ defaultEnumerateLimit: 2, maxEnumerateLimit: 3 });
    for (const name of ["d", "a", "c", "b", "e"]) await register(name, { n: { kind: { case: "stringValue", value: name } } });
    const first = await enumerate({});
    expect(first.identities?.map((each) => each.identity)).toEqual(["a", "b"]);
    expect(first.identities?.[0]?.metadata).toEqual({});
    expect(first.totalCount).toBe(5);
    expect(first.nextCursor).not.toBe("");
    expect(first.nextCursor).not.toContain("b");
    const second = await enumerate({ cursor: first.nextCursor, limit: 50, includeMetadata: true });
    expect(store.pages.at(-1)).toMatchObject({ after: "b", limit: 3, includeMetadata: true });
    expect(second.identities?.map((each) => each.identity)).toEqual(["c", "d", "e"]);
    expect(second.identities?.[0]?.metadata).toMatchObject({ n: { kind: { case: "stringValue", value: "c" } } });
    expect(second.nextCursor).toBe("");
  });

  it("applies the filter and counts its matches", async () => {
    const { register, enumerate } = setup();
    for (const name of ["cam-1", "dev-1", "dev-2"]) await register(name);
    const page = await enumerate({ filter: where("identity", Comparison.PREFIX, str("dev-")), limit: 1 });
    expect(page.identities?.map((each) => each.identity)).toEqual(["dev-1"]);
    expect(page.totalCount).toBe(2);
  });

  it("refuses a malformed cursor, one from another API, and a bad filter with INVALID_ARGUMENT", async () => {
    const { enumerate } = setup();
    for (const cursor of ["not a cursor!", "AAAA", encodeScanCursor("ms1", "key")]) {
      expect(await failure(enumerate({ cursor }))).toMatchObject({
        code: Code.InvalidArgument,
        message: expect.stringContaining("malformed cursor"),
      });
    }
    expect(
      await failure(
        enumerate({ filter: where("floor", Comparison.GTE, create(ValueSchema, { kind: { case: "boolValue", value: true } })) }),
      ),
    ).toMatchObject({ code: Code.InvalidArgument, message: "filter.condition(floor): gte expects a number or a string" });
    expect(await failure(enumerate({ filter: where("floor", Comparison.IN, str("x")) }))).toMatchObject({
      code: Code.InvalidArgument,
      message: "filter.condition(floor): in expects a list of strings",
    });
  });
});

describe("Listen", () => {
  it("is NOT_FOUND before the identity is registered", async () => {
    const { listen, local } = setup();
    const { stream } = listen("dev");
    expect(await failure(() => stream.next())).toMatchObject({
      code: Code.NotFound,
      message: expect.stringContaining("register it before"),
    });
    expect(local.listenerCount()).toBe(0);
  });

  it("says Listening first, then yields each multicast; ends quietly when the caller cancels", async () => {
    const { register, listen, multicast, local, store } = setup();
    await register("dev");
    const { stream, cancel } = listen("dev");
    expect((await stream.next()).value).toEqual({ event: { case: "listening", value: { identity: "dev" } } });
    expect(local.listenerCount()).toBe(1);
    const answer = await multicast({ payload: bytes("hi"), contentType: "text/plain", metadata: { k: "v" } });
    expect(answer).toMatchObject({ targetCount: 1, deliveredCount: 1 });
    const event = (await stream.next()).value as { event: { case: string; value: Record<string, unknown> } };
    expect(event.event.case).toBe("delivery");
    expect(event.event.value).toMatchObject({ payload: bytes("hi"), contentType: "text/plain", metadata: { k: "v" } });
    expect(typeof event.event.value.messageId).toBe("string");
    expect(typeof event.event.value.sentAtMs).toBe("bigint");
    cancel();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(local.listenerCount()).toBe(0);
    // Without presence the registration stays.
    expect(store.identities.has("dev")).toBe(true);
  });

  it("ends the registration with the stream when unregister_on_close (presence)", async () => {
    const { register, listen, store, local } = setup();
    await register("dev");
    const { stream, cancel } = listen("dev", true);
    await stream.next();
    cancel();
    expect((await stream.next()).done).toBe(true);
    expect(store.identities.has("dev")).toBe(false);
    expect(local.listenerCount()).toBe(0);
  });

  it("ends the registration too when the consumer stops reading the stream (presence)", async () => {
    const { register, listen, store } = setup();
    await register("dev");
    const { stream } = listen("dev", true);
    await stream.next();
    await stream.return?.();
    expect(store.identities.has("dev")).toBe(false);
  });

  it("is UNAVAILABLE when the messaging slot ends the listener (listen again), and presence still unregisters", async () => {
    const { register, listen, store, local } = setup();
    await register("dev");
    const { stream } = listen("dev", true);
    await stream.next();
    local.closeAll();
    expect(await failure(() => stream.next())).toMatchObject({ code: Code.Unavailable, message: expect.stringContaining("listen again") });
    expect(store.identities.has("dev")).toBe(false);
  });
});

describe("Multicast", () => {
  it("reports DELIVERED, NOT_LISTENING and FAILED (queue full) per target, ordered by identity", async () => {
    const { register, listen, multicast } = setup({}, undefined, 1);
    for (const name of ["c-full", "a-listening", "b-silent"]) await register(name);
    const listening = listen("a-listening");
    const full = listen("c-full");
    await listening.stream.next();
    await full.stream.next();
    // Neither stream is read from here on, so a queue of 1 holds one delivery.
    const first = await multicast({ filter: where("identity", Comparison.NE, str("a-listening")), payload: bytes("1") });
    expect(first).toMatchObject({ targetCount: 2, deliveredCount: 1 });
    const second = await multicast({ payload: bytes("2") });
    expect(second.targetCount).toBe(3);
    expect(second.deliveredCount).toBe(1);
    expect(second.statuses).toEqual([
      { identity: "a-listening", status: DeliveryStatus.DELIVERED, message: "" },
      { identity: "b-silent", status: DeliveryStatus.NOT_LISTENING, message: "" },
      { identity: "c-full", status: DeliveryStatus.FAILED, message: expect.stringContaining("queue is full") },
    ]);
    listening.cancel();
    full.cancel();
  });

  it("answers TIMEOUT for every target when the messaging slot never answers", async () => {
    const local = new LocalRegistryMessaging(4);
    const silent: RegistryMessaging = {
      listen: (identity, signal) => local.listen(identity, signal),
      deliver: () => new Promise(() => {}),
      listenerCount: () => local.listenerCount(),
    };
    const { register, multicast } = setup({}, silent);
    await register("a");
    await register("b");
    const answer = await multicast({ payload: bytes("x"), timeoutMs: 1 });
    expect(answer).toMatchObject({ targetCount: 2, deliveredCount: 0 });
    expect(answer.statuses?.map((each) => each.status)).toEqual([DeliveryStatus.TIMEOUT, DeliveryStatus.TIMEOUT]);
  });

  it("answers FAILED for every target when the messaging slot fails, and TIMEOUT for outcomes it left out", async () => {
    const local = new LocalRegistryMessaging(4);
    const failing: RegistryMessaging = {
      listen: (identity, signal) => local.listen(identity, signal),
      deliver: async () => {
        throw new Error("bus down");
      },
      listenerCount: () => 0,
    };
    const failed = setup({}, failing);
    await failed.register("a");
    expect((await failed.multicast({ payload: bytes("x") })).statuses).toEqual([
      { identity: "a", status: DeliveryStatus.FAILED, message: "bus down" },
    ]);
    const short: RegistryMessaging = { ...failing, deliver: async () => [{ status: "DELIVERED" }] };
    const partial = setup({}, short);
    await partial.register("a");
    await partial.register("b");
    const answer = await partial.multicast({ payload: bytes("x") });
    expect(answer.statuses?.map((each) => each.status)).toEqual([DeliveryStatus.DELIVERED, DeliveryStatus.TIMEOUT]);
    expect(answer.deliveredCount).toBe(1);
  });

  it("passes the timeout (default for 0) to the messaging slot", async () => {
    const timeouts: number[] = [];
    const local = new LocalRegistryMessaging(4);
    const recording: RegistryMessaging = {
      listen: (identity, signal) => local.listen(identity, signal),
      deliver: async (targets, _delivery, timeoutMs) => {
        timeouts.push(timeoutMs);
        return targets.map(() => ({ status: "NOT_LISTENING" }) as const);
      },
      listenerCount: () => 0,
    };
    const { register, multicast } = setup({ defaultMulticastTimeoutMs: 1234 }, recording);
    await register("a");
    await multicast({ payload: bytes("x") });
    await multicast({ payload: bytes("x"), timeoutMs: 99 });
    expect(timeouts).toEqual([1234, 99]);
  });

  it("reaches no one when nothing matches, and is RESOURCE_EXHAUSTED past maxMulticastTargets", async () => {
    const { register, multicast } = setup({ maxMulticastTargets: 2 });
    expect(await multicast({ payload: bytes("x") })).toEqual({ targetCount: 0, deliveredCount: 0, statuses: [] });
    for (const name of ["a", "b", "c"]) await register(name);
    expect(await failure(multicast({ payload: bytes("x") }))).toMatchObject({
      code: Code.ResourceExhausted,
      message: "the filter matches 3 identities; one multicast reaches at most 2 (limits.maxMulticastTargets)",
    });
    expect((await multicast({ filter: where("identity", Comparison.NE, str("a")), payload: bytes("x") })).targetCount).toBe(2);
  });

  it("validates the payload, metadata, timeout and filter", async () => {
    const { multicast } = setup({ maxPayloadBytes: 4, maxMetadataEntries: 1, maxMulticastTimeoutMs: 100 });
    expect(await failure(multicast({ payload: bytes("12345") }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("limits.maxPayloadBytes"),
    });
    expect(await failure(multicast({ payload: bytes("1"), metadata: { a: "1", b: "2" } }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("limits.maxMetadataEntries"),
    });
    expect(await failure(multicast({ payload: bytes("1"), timeoutMs: 101 }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("limits.maxMulticastTimeoutMs"),
    });
    expect(
      await failure(multicast({ payload: bytes("1"), filter: where("floor", Comparison.PREFIX, create(ValueSchema, {})) })),
    ).toMatchObject({
      code: Code.InvalidArgument,
      message: "filter.condition(floor): prefix expects a string",
    });
  });
});
