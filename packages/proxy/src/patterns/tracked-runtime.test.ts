// Unit tests of TrackedRuntime: unary calls counted until they end (Connect path and raw gRPC
// streams), subscriptions not counted, whenIdle resolving when the last one ends or at its bound.
import { create, type Message } from "@bufbuild/protobuf";
import { GetRequestSchema, GetResponseSchema } from "@prism/proto/keyvalue/v1";
import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PatternRuntime } from "./pattern-runtime.js";
import { TrackedRuntime } from "./tracked-runtime.js";

/** A runtime whose unary calls end when the test says so. */
function fakeRuntime() {
  const pending: (() => void)[] = [];
  const served: string[] = [];
  const runtime: PatternRuntime = {
    description: "fake (inprocess)",
    requestLimit: 1024,
    restarts: 3,
    start: async () => {},
    stop: async () => {},
    health: async () => ({ status: "HEALTHY" }),
    serveGrpc: (_stream, headers) => void served.push(headers[":path"] ?? ""),
    invokeUnary: () =>
      new Promise<Message>((resolve) => pending.push(() => resolve(create(GetResponseSchema, { value: new Uint8Array([1]) })))),
    invokeServerStreaming: async function* () {},
  };
  return { runtime, pending, served };
}

/** A stand-in for an HTTP/2 stream: only "close" and `closed` matter here. */
function fakeStream(): ServerHttp2Stream & EventEmitter {
  return Object.assign(new EventEmitter(), { closed: false }) as unknown as ServerHttp2Stream & EventEmitter;
}

const options = { signal: new AbortController().signal, timeoutMs: undefined, client: "test" };

afterEach(() => vi.useRealTimers());

describe("TrackedRuntime", () => {
  it("passes description, limit and restarts through", () => {
    const tracked = new TrackedRuntime(fakeRuntime().runtime);
    expect([tracked.description, tracked.requestLimit, tracked.restarts]).toEqual(["fake (inprocess)", 1024, 3]);
  });

  it("counts a Connect-path unary call until it returns; whenIdle resolves then", async () => {
    const fake = fakeRuntime();
    const tracked = new TrackedRuntime(fake.runtime);
    const call = tracked.invokeUnary("/prism.keyvalue.v1.KeyValueService/Get", create(GetRequestSchema, { key: "k" }), options);
    expect(tracked.callsInFlight).toBe(1);
    let idle: boolean | undefined;
    const waiting = tracked.whenIdle(60_000).then((result) => {
      idle = result;
    });
    await Promise.resolve();
    expect(idle).toBeUndefined();
    fake.pending[0]?.();
    await call;
    await waiting;
    expect(idle).toBe(true);
    expect(tracked.callsInFlight).toBe(0);
  });

  it("counts a raw gRPC unary call until its stream closes, but not a subscription", () => {
    const fake = fakeRuntime();
    const tracked = new TrackedRuntime(fake.runtime);
    const unary = fakeStream();
    const subscription = fakeStream();
    tracked.serveGrpc(unary, { ":path": "/prism.keyvalue.v1.KeyValueService/Set" } as IncomingHttpHeaders);
    tracked.serveGrpc(subscription, { ":path": "/prism.pubsub.v1.PubSubService/Subscribe" } as IncomingHttpHeaders);
    expect(fake.served).toEqual(["/prism.keyvalue.v1.KeyValueService/Set", "/prism.pubsub.v1.PubSubService/Subscribe"]);
    expect(tracked.callsInFlight).toBe(1);
    subscription.emit("close");
    expect(tracked.callsInFlight).toBe(1);
    unary.emit("close");
    expect(tracked.callsInFlight).toBe(0);
  });

  it("resolves whenIdle false at its bound when a call is still running", async () => {
    vi.useFakeTimers();
    const fake = fakeRuntime();
    const tracked = new TrackedRuntime(fake.runtime);
    void tracked.invokeUnary("/prism.keyvalue.v1.KeyValueService/Get", create(GetRequestSchema, { key: "k" }), options);
    const idle = tracked.whenIdle(5000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await idle).toBe(false);
    expect(tracked.callsInFlight).toBe(1);
  });

  it("resolves whenIdle at once without calls", async () => {
    expect(await new TrackedRuntime(fakeRuntime().runtime).whenIdle(1)).toBe(true);
  });
});
