// Unit tests of NamespaceRouter: default namespace, unknown namespace, unconfigured API,
// unknown path, routeOrThrow, and namespaces replaced or removed as a whole.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { ApiName } from "../config/api-names.js";
import type { PatternRuntime } from "../patterns/pattern-runtime.js";
import { NamespaceRouter, errorReasonHeader } from "./namespace-router.js";

const getPath = "/prism.keyvalue.v1.KeyValueService/Get";
const scanPath = "/prism.keyvalue.v1.KeyValueService/Scan";

/** A runtime that only has a description; routing never calls it. */
function runtime(description: string): PatternRuntime {
  const unused = (): never => {
    throw new Error("not called by the router");
  };
  return {
    description,
    requestLimit: 4 * 1024 * 1024,
    start: unused,
    stop: unused,
    health: unused,
    serveGrpc: unused,
    invokeUnary: unused,
    invokeServerStreaming: unused,
  };
}

function makeRouter() {
  const router = new NamespaceRouter();
  const defaultRuntime = runtime("default memstore");
  const ordersRuntime = runtime("orders memstore");
  router.add("default", "keyvalue", defaultRuntime);
  router.add("orders", "keyvalue", ordersRuntime);
  return { router, defaultRuntime, ordersRuntime };
}

describe("NamespaceRouter.route", () => {
  it("routes to the default namespace when the header is absent", () => {
    const { router, defaultRuntime } = makeRouter();
    expect(router.route(undefined, getPath)).toEqual({ ok: true, runtime: defaultRuntime, namespace: "default" });
  });

  it("never routes a header that is not a namespace name: INVALID_ARGUMENT, without echoing it", () => {
    const { router } = makeRouter();
    const long = "a".repeat(60_000);
    for (const [header, what] of [
      ["", "of 0 characters"],
      ["orders\u0001", "of 7 characters"],
      [long, "of 60000 characters"],
      ["Orders ", "of 7 characters"],
      [["orders", "default"], "with 2 values"],
    ] as const) {
      const result = router.route(header as string | string[], getPath);
      expect(result.ok, String(header).slice(0, 20)).toBe(false);
      if (result.ok) continue;
      expect(result.code).toBe(Code.InvalidArgument);
      expect(result.message).toBe(
        `invalid prism-namespace header (one ${what}): a namespace name is 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit`,
      );
    }
  });

  it("requires the header when configured without a namespace for absent headers", () => {
    const router = new NamespaceRouter("");
    router.add("default", "keyvalue", runtime("default"));
    const result = router.route(undefined, getPath);
    expect(result).toMatchObject({
      ok: false,
      code: Code.InvalidArgument,
      message: "this proxy requires a prism-namespace header naming the namespace",
    });
  });

  it("routes a named namespace to its runtime, for every method of the API", () => {
    const { router, ordersRuntime } = makeRouter();
    expect(router.route("orders", getPath)).toEqual({ ok: true, runtime: ordersRuntime, namespace: "orders" });
    expect(router.route("orders", scanPath)).toEqual({ ok: true, runtime: ordersRuntime, namespace: "orders" });
    // Repeated lookups (cached path) give the same answer.
    expect(router.route("orders", getPath)).toEqual({ ok: true, runtime: ordersRuntime, namespace: "orders" });
  });

  it("answers an unknown namespace with NOT_FOUND naming it and a reason", () => {
    const { router } = makeRouter();
    const result = router.route("nope", getPath);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(Code.NotFound);
    expect(result.message).toContain('"nope"');
    expect(result.message).not.toContain("orders"); // other tenants' namespaces are not disclosed
    expect(result.metadata).toEqual({ [errorReasonHeader]: "namespace-not-found" });
    expect(errorReasonHeader).toBe("prism-error-reason");
  });

  it("answers NOT_FOUND for an absent header when there is no default namespace", () => {
    const router = new NamespaceRouter();
    router.add("orders", "keyvalue", runtime("orders"));
    const result = router.route(undefined, getPath);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(Code.NotFound);
      expect(result.message).toContain('"default"');
    }
  });

  it("does not match namespaces case-insensitively (an uppercase name is not a namespace name)", () => {
    const { router } = makeRouter();
    const result = router.route("Orders", getPath);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(Code.InvalidArgument);
  });

  it("answers a method of a service the proxy does not know with UNIMPLEMENTED naming the path", () => {
    const { router } = makeRouter();
    const path = "/prism.cache.v1.CacheService/Get";
    const result = router.route("orders", path);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(Code.Unimplemented);
      expect(result.message).toContain(path);
    }
  });

  it("answers UNIMPLEMENTED naming the API when the namespace exists without it", () => {
    const router = new NamespaceRouter();
    // Only keyvalue exists today; a namespace bound only to a future API has no keyvalue runtime.
    router.add("events", "pubsub" as ApiName, runtime("events pubsub"));
    const result = router.route("events", getPath);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(Code.Unimplemented);
      expect(result.message).toBe('namespace "events" has no keyvalue pattern configured');
      expect(result.metadata).toBeUndefined();
    }
  });

  it("answers unknown paths with UNIMPLEMENTED naming the path", () => {
    const { router } = makeRouter();
    for (const path of ["/prism.keyvalue.v1.Nope/Get", "/nothing", "", "no-slash", "/"]) {
      const result = router.route("orders", path);
      expect(result.ok, path).toBe(false);
      if (!result.ok) {
        expect(result.code, path).toBe(Code.Unimplemented);
        expect(result.message, path).toBe(`unknown method ${JSON.stringify(path)}`);
      }
    }
    const long = router.route("orders", `/${"x".repeat(60_000)}/Get`);
    expect(!long.ok && long.message.length).toBeLessThan(250);
  });

  it("lists every registered runtime", () => {
    const { router, defaultRuntime, ordersRuntime } = makeRouter();
    expect([...router.entries()]).toEqual([
      { namespace: "default", api: "keyvalue", runtime: defaultRuntime },
      { namespace: "orders", api: "keyvalue", runtime: ordersRuntime },
    ]);
  });

  it("replaces the runtime when the same namespace and API are added again", () => {
    const { router } = makeRouter();
    const replacement = runtime("replacement");
    router.add("orders", "keyvalue", replacement);
    expect(router.route("orders", getPath)).toEqual({ ok: true, runtime: replacement, namespace: "orders" });
  });
});

describe("NamespaceRouter.set and remove", () => {
  const publishPath = "/prism.pubsub.v1.PubSubService/Publish";

  it("creates a namespace with every API at once", () => {
    const router = new NamespaceRouter();
    const kv = runtime("kv");
    const ps = runtime("ps");
    expect(router.has("fresh")).toBe(false);
    router.set(
      "fresh",
      new Map<ApiName, PatternRuntime>([
        ["keyvalue", kv],
        ["pubsub", ps],
      ]),
    );
    expect(router.has("fresh")).toBe(true);
    expect(router.route("fresh", getPath)).toEqual({ ok: true, runtime: kv, namespace: "fresh" });
    expect(router.route("fresh", publishPath)).toEqual({ ok: true, runtime: ps, namespace: "fresh" });
  });

  it("replaces all routes of a namespace in one step: an API left out is no longer routed", () => {
    const { router, ordersRuntime } = makeRouter();
    router.add("orders", "pubsub", runtime("orders pubsub"));
    const before = router.route("orders", getPath);
    const replacement = runtime("orders kv v2");
    router.set("orders", new Map<ApiName, PatternRuntime>([["keyvalue", replacement]]));
    expect(before).toEqual({ ok: true, runtime: ordersRuntime, namespace: "orders" });
    expect(router.route("orders", getPath)).toEqual({ ok: true, runtime: replacement, namespace: "orders" });
    expect(router.route("orders", publishPath)).toMatchObject({ ok: false, code: Code.Unimplemented });
    expect(router.route("default", getPath).ok).toBe(true);
  });

  it("keeps a namespace's other APIs when one is added", () => {
    const { router, ordersRuntime } = makeRouter();
    const ps = runtime("orders pubsub");
    router.add("orders", "pubsub", ps);
    expect(router.route("orders", getPath)).toEqual({ ok: true, runtime: ordersRuntime, namespace: "orders" });
    expect(router.route("orders", publishPath)).toEqual({ ok: true, runtime: ps, namespace: "orders" });
  });

  it("removes a namespace: its calls are NOT_FOUND, the others still route", () => {
    const { router, defaultRuntime } = makeRouter();
    expect(router.remove("orders")).toBe(true);
    expect(router.remove("orders")).toBe(false);
    expect(router.has("orders")).toBe(false);
    expect(router.route("orders", getPath)).toMatchObject({
      ok: false,
      code: Code.NotFound,
      metadata: { [errorReasonHeader]: "namespace-not-found" },
    });
    expect(router.route(undefined, getPath)).toEqual({ ok: true, runtime: defaultRuntime, namespace: "default" });
    expect([...router.entries()].map((entry) => entry.namespace)).toEqual(["default"]);
  });
});

describe("NamespaceRouter.routeOrThrow", () => {
  it("returns the runtime on success", () => {
    const { router, ordersRuntime } = makeRouter();
    expect(router.routeOrThrow("orders", getPath).runtime).toBe(ordersRuntime);
  });

  it("throws a ConnectError with code, message and reason metadata", () => {
    const { router } = makeRouter();
    let caught: unknown;
    try {
      router.routeOrThrow("missing", getPath);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConnectError);
    const error = caught as ConnectError;
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toContain('"missing"');
    expect(error.metadata.get(errorReasonHeader)).toBe("namespace-not-found");
  });

  it("throws UNIMPLEMENTED for an unknown method", () => {
    const { router } = makeRouter();
    expect(() => router.routeOrThrow("orders", "/x.Y/Z")).toThrow(ConnectError);
    try {
      router.routeOrThrow(undefined, "/x.Y/Z");
    } catch (error) {
      expect((error as ConnectError).code).toBe(Code.Unimplemented);
    }
  });
});
