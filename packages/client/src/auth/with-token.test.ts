// Tests for the token option of createPrismClient (withToken): the bearer header on every call of every API and
// protocol, one provider call per call, one renewal and retry on UNAUTHENTICATED (unary and Subscribe), and no more.
import { Code, ConnectError, type ConnectRouter, type Transport } from "@connectrpc/connect";
import { createGrpcTransportUnderTest } from "../../test/transport-under-test.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { DeliveryGuarantee, PubSubService, type SubscribeResponseSchema } from "@prism/proto/pubsub/v1";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Admit, type FakeKeyValueServer, startFakeKeyValueServer } from "../../test/fake-keyvalue-server.js";
import { DeadlineExceededError, InvalidArgumentError, NamespaceNotFoundError, UnauthenticatedError } from "../errors/error-classes.js";
import { PrismError } from "../errors/prism-error.js";
import { type PrismClientOptions, createPrismClient } from "../prism-client.js";
import type { TokenRequest } from "./token-provider.js";

/** A caching provider: hands out "t1" until asked to refresh, then "t2", "t3", ...; records every request. */
function rotatingProvider() {
  const requests: (TokenRequest | undefined)[] = [];
  let generation = 1;
  const provider = async (request?: TokenRequest) => {
    requests.push(request);
    if (request?.refresh === true) generation++;
    return `t${generation}`;
  };
  return { provider, requests };
}

/** Acks the fake PubSub saw, per call. */
const acks: string[][] = [];

/** A PubSub fake beside KeyValue: Subscribe confirms, then (topic "revoked") fails UNAUTHENTICATED or sends one message. */
function pubsubRoutes(router: ConnectRouter, admit: Admit): void {
  router.service(PubSubService, {
    publish(_request, context) {
      admit(context);
      return { messageId: "m-0" };
    },
    subscribe(request, context) {
      // Refused before the stream starts (gRPC: a trailers-only answer, so the transport's stream() rejects).
      admit(context);
      return subscription(request.topic, context.signal);
    },
    ack(request, context) {
      admit(context);
      acks.push(request.messageIds);
      return { acked: request.messageIds.length };
    },
  });
}

/** A SubscribeResponse as a handler may yield it. */
type SubscribeResponseInit = MessageInitShape<typeof SubscribeResponseSchema>;

/** What the fake Subscribe streams for `topic`. */
async function* subscription(topic: string, signal: AbortSignal): AsyncGenerator<SubscribeResponseInit> {
  yield { event: { case: "subscribed", value: { subscriptionId: "s-1", guarantee: DeliveryGuarantee.AT_LEAST_ONCE } } };
  if (topic === "revoked") throw new ConnectError("token revoked", Code.Unauthenticated);
  yield {
    event: {
      case: "message",
      value: { topic, payload: new TextEncoder().encode("hi"), messageId: "m-1", publishedAtMs: 1n, deliveryAttempt: 1 },
    },
  };
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
}

const setups = [
  { name: "grpc", server: "h2", options: { protocol: "grpc" } },
  { name: "connect over HTTP/1.1", server: "h1", options: { protocol: "connect" } },
  { name: "grpc-web over HTTP/1.1", server: "h1", options: { protocol: "grpc-web" } },
  { name: "connect over HTTP/2", server: "h2", options: { protocol: "connect", httpVersion: "2" } },
] as const;

describe.each(setups)("the token option over $name", ({ server: kind, options: protocol }) => {
  let server: FakeKeyValueServer;
  // One Publish call per message: these cases count provider calls per call (a PublishStream asks once per stream).
  const client = (options: Partial<PrismClientOptions>) =>
    createPrismClient({ url: server.url, ...protocol, publishStream: false, ...options });

  beforeAll(async () => {
    server = await startFakeKeyValueServer(kind, { routes: pubsubRoutes });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.calls.authorizations.length = 0;
    server.rejectedAuthorizations.clear();
    acks.length = 0;
  });

  it("sends a fixed token on every KeyValue and PubSub call, over any authorization header set by hand", async () => {
    const prism = client({ token: "s3cret", headers: { Authorization: "Bearer by-hand" } });
    await prism.kv.set("a", "1", { headers: { authorization: "Bearer per-call" } });
    await prism.kv.get("a");
    await prism.kv.exists("a");
    await prism.kv.getMany(["a"]);
    await prism.kv.setMany([{ key: "b", value: "2" }]);
    for await (const _ of prism.kv.scan("", { pageSize: 1 })) {
      // two pages, two calls
    }
    await prism.kv.deleteMany(["b"]);
    await prism.kv.delete("a");
    await prism.withNamespace("other").kv.exists("a");
    await prism.pubsub.publish("t", "x");
    const subscription = prism.pubsub.subscribe("t");
    for await (const message of subscription) {
      await message.ack();
      break;
    }
    expect(acks).toEqual([["m-1"]]);
    expect(server.calls.authorizations).toHaveLength(13);
    expect(new Set(server.calls.authorizations)).toEqual(new Set(["Bearer s3cret"]));
  });

  it("keeps the headers option when there is no token", async () => {
    await client({ headers: { authorization: "Bearer by-hand" } }).kv.exists("a");
    expect(server.calls.authorizations).toEqual(["Bearer by-hand"]);
  });

  it("does not retry a fixed token the proxy refused", async () => {
    server.rejectedAuthorizations.add("Bearer old");
    const error = await client({ token: "old" })
      .kv.get("a")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(server.calls.authorizations).toEqual(["Bearer old"]);
  });

  it("asks the provider once per call, without the refresh hint", async () => {
    const { provider, requests } = rotatingProvider();
    const prism = client({ token: provider });
    await prism.kv.set("k", "v");
    await prism.kv.getString("k");
    await prism.pubsub.publish("t", "x");
    expect(requests).toEqual([{ refresh: false }, { refresh: false }, { refresh: false }]);
    expect(server.calls.authorizations).toEqual(["Bearer t1", "Bearer t1", "Bearer t1"]);
  });

  it("on UNAUTHENTICATED asks the provider again with refresh: true and retries the call once", async () => {
    server.rejectedAuthorizations.add("Bearer t1");
    const { provider, requests } = rotatingProvider();
    const prism = client({ token: provider });
    await prism.kv.set("k", "v");
    await prism.pubsub.publish("t", "x");
    expect(requests).toEqual([{ refresh: false }, { refresh: true }, { refresh: false }]);
    expect(server.calls.authorizations).toEqual(["Bearer t1", "Bearer t2", "Bearer t2"]);
  });

  it("gives up after one retry with UnauthenticatedError", async () => {
    server.rejectedAuthorizations.add("Bearer t1").add("Bearer t2");
    const { provider, requests } = rotatingProvider();
    const error = await client({ token: provider })
      .kv.get("k")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as UnauthenticatedError).rawMessage).toBe("token expired");
    expect(requests).toEqual([{ refresh: false }, { refresh: true }]);
    expect(server.calls.authorizations).toEqual(["Bearer t1", "Bearer t2"]);
  });

  it("does not retry other failures", async () => {
    const { provider, requests } = rotatingProvider();
    await expect(client({ token: provider, namespace: "nope" }).kv.get("k")).rejects.toBeInstanceOf(NamespaceNotFoundError);
    expect(requests).toEqual([{ refresh: false }]);
    expect(server.calls.authorizations).toEqual(["Bearer t1"]);
  });

  it("sends the token on Subscribe and Ack, and renews it once when Subscribe is refused before its first message", async () => {
    server.rejectedAuthorizations.add("Bearer t1");
    const { provider, requests } = rotatingProvider();
    const subscription = client({ token: provider }).pubsub.subscribe("t");
    expect(await subscription.ready).toEqual({ subscriptionId: "s-1", guarantee: "at-least-once" });
    for await (const message of subscription) {
      expect(message.text()).toBe("hi");
      await message.ack();
      break;
    }
    expect(requests).toEqual([{ refresh: false }, { refresh: true }, { refresh: false }]);
    expect(server.calls.authorizations).toEqual(["Bearer t1", "Bearer t2", "Bearer t2"]);
    expect(acks).toEqual([["m-1"]]);
  });

  it("fails Subscribe with UnauthenticatedError when the renewed token is refused too", async () => {
    server.rejectedAuthorizations.add("Bearer t1").add("Bearer t2");
    const { provider, requests } = rotatingProvider();
    const subscription = client({ token: provider }).pubsub.subscribe("t");
    await expect(subscription.ready).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(requests).toEqual([{ refresh: false }, { refresh: true }]);
    expect(server.calls.authorizations).toEqual(["Bearer t1", "Bearer t2"]);
  });

  it("does not reopen a subscription refused after its first message", async () => {
    const { provider, requests } = rotatingProvider();
    const subscription = client({ token: provider }).pubsub.subscribe("revoked");
    await subscription.ready;
    const error = await (async () => {
      for await (const _ of subscription) {
        // no message arrives before the failure
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(requests).toEqual([{ refresh: false }]);
    expect(server.calls.authorizations).toEqual(["Bearer t1"]);
  });
});

describe("the token option over a ready transport", () => {
  let server: FakeKeyValueServer;
  beforeAll(async () => {
    server = await startFakeKeyValueServer("h2", { routes: pubsubRoutes });
  });
  afterAll(() => server.close());

  it("renews the token when the transport refuses a stream before it starts (as a gRPC trailers-only answer does)", async () => {
    const inner = createGrpcTransportUnderTest({ baseUrl: server.url });
    const refusedAtStart: string[] = [];
    const transport: Transport = {
      unary: (...args) => inner.unary(...args),
      stream: (method, signal, timeoutMs, header, input, contextValues) => {
        const authorization = new Headers(header).get("authorization") ?? "";
        if (authorization === "Bearer t1") {
          refusedAtStart.push(authorization);
          return Promise.reject(new ConnectError("token expired", Code.Unauthenticated));
        }
        return inner.stream(method, signal, timeoutMs, header, input, contextValues);
      },
    };
    const { provider, requests } = rotatingProvider();
    const subscription = createPrismClient({ transport, token: provider }).pubsub.subscribe("t");
    for await (const message of subscription) {
      expect(message.text()).toBe("hi");
      break;
    }
    expect(refusedAtStart).toEqual(["Bearer t1"]);
    expect(requests).toEqual([{ refresh: false }, { refresh: true }]);
    expect(server.calls.authorizations).toEqual(["Bearer t2"]);
  });
});

describe("the token option, locally", () => {
  let server: FakeKeyValueServer;
  beforeAll(async () => {
    server = await startFakeKeyValueServer("h2");
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.calls.authorizations.length = 0;
  });

  it.each([
    ["", /token is empty/],
    ["Bearer abc", /without the "Bearer " prefix/],
    ["ab cd", /characters a header cannot carry/],
    ["abc\r\nx-evil: 1", /characters a header cannot carry/],
  ])("refuses the fixed token %j before any call, without showing it", (token, message) => {
    const create = () => createPrismClient({ url: server.url, token });
    expect(create).toThrow(InvalidArgumentError);
    expect(create).toThrow(message);
    try {
      create();
    } catch (error) {
      if (token !== "") expect((error as Error).message).not.toContain(token);
    }
  });

  it("turns a failing provider into UnauthenticatedError and sends nothing", async () => {
    const prism = createPrismClient({ url: server.url, token: () => Promise.reject(new Error("no login")) });
    const error = await prism.kv.get("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toBe("the token provider failed: no login (UNAUTHENTICATED)");
    expect(server.calls.authorizations).toEqual([]);
  });

  it("passes a PrismError from the provider through, without asking again", async () => {
    let asked = 0;
    const refusal = new UnauthenticatedError("not logged in");
    const prism = createPrismClient({
      url: server.url,
      token: async () => {
        asked++;
        throw refusal;
      },
    });
    await expect(prism.kv.get("k")).rejects.toBe(refusal);
    expect(asked).toBe(1);
  });

  it("refuses a malformed token from the provider without showing it", async () => {
    const prism = createPrismClient({ url: server.url, token: async () => "Bearer leaked-secret" });
    const error = await prism.kv.get("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toMatch(/the token provider returned a token that must be the bare token/);
    expect((error as Error).message).not.toContain("leaked-secret");
    expect(server.calls.authorizations).toEqual([]);
  });

  it("holds a provider that never answers to the call's deadline", async () => {
    const prism = createPrismClient({ url: server.url, token: () => new Promise<string>(() => {}) });
    await expect(prism.kv.get("k", { timeoutMs: 20 })).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(server.calls.authorizations).toEqual([]);
  });

  it("cancels the wait for a token when the call is aborted", async () => {
    const controller = new AbortController();
    const prism = createPrismClient({
      url: server.url,
      token: () => {
        controller.abort();
        return new Promise<string>(() => {});
      },
    });
    const error = await prism.kv.get("k", { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrismError);
    expect((error as PrismError).codeName).toBe("CANCELLED");
    expect(server.calls.authorizations).toEqual([]);
  });

  it("refuses a token that is neither a string nor a function", () => {
    expect(() => createPrismClient({ url: server.url, token: 42 as unknown as string })).toThrow(InvalidArgumentError);
  });
});
