// Unit tests of HealthService over a router with fake patterns: the status mapping (HEALTHY and
// DEGRADED serve, UNHEALTHY, a failing or silent health check do not), namespaces, List, and Watch
// sending only changes and ending at shutdown.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HealthReport } from "@prism/pattern-sdk";
import {
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListRequestSchema,
} from "@prism/proto/grpc/health/v1";
import type { CallContext } from "@prism/wire";
import { describe, expect, it, vi } from "vitest";
import type { PatternRuntime } from "../patterns/pattern-runtime.js";
import { NamespaceRouter } from "../server/namespace-router.js";
import { HealthService } from "./health-service.js";

const keyvalue = "prism.keyvalue.v1.KeyValueService";
const pubsub = "prism.pubsub.v1.PubSubService";
const registry = "prism.registry.v1.RegistryService";

/** A pattern whose health is whatever `report` returns. */
function pattern(report: () => Promise<HealthReport>): PatternRuntime {
  const fake: Pick<PatternRuntime, "description" | "health"> = { description: "fake", health: report };
  return fake as PatternRuntime;
}

/** A router with namespaces `a` and `b` binding keyvalue, `a` binding pubsub too; keyvalue of `b` reports `state.b`. */
function setUp() {
  const state: { b: HealthReport["status"] | "throws" } = { b: "HEALTHY" };
  const router = new NamespaceRouter();
  router.add(
    "a",
    "keyvalue",
    pattern(async () => ({ status: "DEGRADED", message: "slow" })),
  );
  router.add(
    "a",
    "pubsub",
    pattern(async () => ({ status: "HEALTHY" })),
  );
  router.add(
    "b",
    "keyvalue",
    pattern(async () => {
      if (state.b === "throws") throw new Error("no answer");
      return { status: state.b };
    }),
  );
  return { router, state, health: new HealthService(router, 10, 0) };
}

const context = (signal = new AbortController().signal): CallContext => ({ signal });

async function check(health: HealthService, service: string, namespace?: string): Promise<ServingStatus | Code> {
  try {
    return (
      (await health.handlers(namespace).check(create(HealthCheckRequestSchema, { service }), context())).status ?? ServingStatus.UNKNOWN
    );
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("HealthService", () => {
  it("asks the patterns at most once per snapshot for a burst of Check calls (they need no token)", async () => {
    const report = vi.fn(async (): Promise<HealthReport> => ({ status: "HEALTHY" }));
    const router = new NamespaceRouter();
    router.add("a", "keyvalue", pattern(report));
    const health = new HealthService(router, 10, 60_000);
    for (let i = 0; i < 50; i++) expect(await check(health, keyvalue)).toBe(ServingStatus.SERVING);
    expect(report).toHaveBeenCalledTimes(1);
  });

  it("maps pattern health to SERVING / NOT_SERVING, over every namespace or one", async () => {
    const { health, state } = setUp();
    expect(await check(health, "")).toBe(ServingStatus.SERVING);
    expect(await check(health, "grpc.reflection.v1.ServerReflection")).toBe(ServingStatus.SERVING);
    expect(await check(health, keyvalue)).toBe(ServingStatus.SERVING); // DEGRADED still serves
    expect(await check(health, pubsub)).toBe(ServingStatus.SERVING);
    expect(await check(health, registry)).toBe(ServingStatus.NOT_SERVING); // bound nowhere
    state.b = "UNHEALTHY";
    expect(await check(health, keyvalue)).toBe(ServingStatus.NOT_SERVING);
    expect(await check(health, keyvalue, "a")).toBe(ServingStatus.SERVING);
    expect(await check(health, keyvalue, "b")).toBe(ServingStatus.NOT_SERVING);
    state.b = "throws";
    expect(await check(health, keyvalue, "b")).toBe(ServingStatus.NOT_SERVING);
    expect(await check(health, "")).toBe(ServingStatus.SERVING);
  });

  it("answers NOT_FOUND for an unknown service, namespace, or API a namespace does not bind", async () => {
    const { health } = setUp();
    expect(await check(health, "acme.Nope")).toBe(Code.NotFound);
    expect(await check(health, keyvalue, "zzz")).toBe(Code.NotFound);
    expect(await check(health, pubsub, "b")).toBe(Code.NotFound);
  });

  it("lists the services it serves (with a namespace, those it serves there)", async () => {
    const { health, state } = setUp();
    state.b = "UNHEALTHY";
    const all = (await health.handlers(undefined).list(create(HealthListRequestSchema), context())).statuses;
    expect(all?.[""]).toEqual({ status: ServingStatus.SERVING });
    expect(all?.[keyvalue]).toEqual({ status: ServingStatus.NOT_SERVING });
    expect(all?.[registry]).toEqual({ status: ServingStatus.NOT_SERVING });
    const inB = (await health.handlers("b").list(create(HealthListRequestSchema), context())).statuses;
    expect(Object.keys(inB ?? {})).not.toContain(pubsub);
    expect(inB?.[keyvalue]).toEqual({ status: ServingStatus.NOT_SERVING });
  });

  it("Watch sends the status at once, then only changes, and ends with NOT_SERVING at shutdown", async () => {
    const { health, state } = setUp();
    const request = create(HealthCheckRequestSchema, { service: keyvalue });
    const stream = health.handlers("b").watch(request, context())[Symbol.asyncIterator]();
    const unknown = health
      .handlers("b")
      .watch({ ...request, service: pubsub }, context())
      [Symbol.asyncIterator]();
    expect((await stream.next()).value).toEqual({ status: ServingStatus.SERVING });
    expect((await unknown.next()).value).toEqual({ status: ServingStatus.SERVICE_UNKNOWN });
    const next = stream.next();
    state.b = "UNHEALTHY";
    expect((await next).value).toEqual({ status: ServingStatus.NOT_SERVING });
    const again = stream.next();
    state.b = "DEGRADED";
    expect((await again).value).toEqual({ status: ServingStatus.SERVING });
    const last = stream.next();
    health.shutDown();
    expect((await last).value).toEqual({ status: ServingStatus.NOT_SERVING });
    expect((await stream.next()).done).toBe(true);
    expect((await unknown.next()).done).toBe(true);
    expect(await check(health, "")).toBe(ServingStatus.NOT_SERVING);
  });

  it("ends a Watch when its caller goes away", async () => {
    const { health } = setUp();
    const caller = new AbortController();
    const request = create(HealthCheckRequestSchema, { service: "" });
    const stream = health.handlers(undefined).watch(request, context(caller.signal))[Symbol.asyncIterator]();
    expect((await stream.next()).value).toEqual({ status: ServingStatus.SERVING });
    const next = stream.next();
    caller.abort();
    expect((await next).done).toBe(true);
    await vi.waitFor(() => expect((health as unknown as { timer: unknown }).timer).toBeUndefined());
  });
});
