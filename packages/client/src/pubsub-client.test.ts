// pubsub.publish() over gRPC: concurrent publishes ride one PublishStream, each promise settles with
// its own message's result (a refused message fails alone), order per topic is kept, and with
// publishStream off every message is its own Publish call. Against the memstore pattern over gRPC.
import type { Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createGrpcTransportUnderTest } from "../test/transport-under-test.js";
import { type RegistryServer, startRegistryServer } from "../test/registry-server.js";
import { InvalidArgumentError } from "./index.js";
import { createPrismClient } from "./prism-client.js";

let server: RegistryServer;
beforeAll(async () => {
  server = await startRegistryServer();
});
afterAll(() => server.close());

/** A client whose calls are recorded by method name. */
function recordingClient(publishStream: boolean) {
  const calls: string[] = [];
  const record: Interceptor = (next) => (request) => {
    calls.push(request.method.name);
    return next(request);
  };
  const transport = createGrpcTransportUnderTest({ baseUrl: server.url, interceptors: [record] });
  return { client: createPrismClient({ transport, publishStream }), calls };
}

it("carries concurrent publishes on one PublishStream, settles each with its id, and keeps their order", async () => {
  const { client, calls } = recordingClient(true);
  const subscription = client.pubsub.subscribe("orders.streamed");
  await subscription.ready;
  // Within the memstore subscriber's buffer (at-most-once drops beyond it); 1 KiB each, so several batches.
  const count = 1000;
  const padding = "x".repeat(1024);
  const receiving = (async () => {
    const received: string[] = [];
    for await (const message of subscription) {
      received.push(message.text().slice(0, 8));
      if (received.length === count) break;
    }
    return received;
  })();
  const ids = await Promise.all(
    Array.from({ length: count }, (_, index) => client.pubsub.publish("orders.streamed", `${`m${index}`.padEnd(8, "-")}${padding}`)),
  );
  expect(new Set(ids).size).toBe(count);
  expect(await receiving).toEqual(Array.from({ length: count }, (_, index) => `m${index}`.padEnd(8, "-")));
  expect(calls.filter((name) => name === "PublishStream")).toHaveLength(1);
  expect(calls).not.toContain("Publish");
});

it("fails a refused message alone; the messages around it are published", async () => {
  const { client } = recordingClient(true);
  const results = await Promise.allSettled([
    client.pubsub.publish("fine.one", "a"),
    client.pubsub.publish("not a topic!", "b"),
    client.pubsub.publish("fine.two", "c"),
  ]);
  expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  const refusal = (results[1] as PromiseRejectedResult).reason;
  expect(refusal).toBeInstanceOf(InvalidArgumentError);
  expect(String(refusal.message)).toContain("topic");
});

it("sends one Publish call per message when publishStream is off, and a message with its own headers alone", async () => {
  const off = recordingClient(false);
  await Promise.all([off.client.pubsub.publish("t.a", "1"), off.client.pubsub.publish("t.a", "2")]);
  expect(off.calls).toEqual(["Publish", "Publish"]);
  const on = recordingClient(true);
  await on.client.pubsub.publish("t.a", "3", { headers: { "x-trace": "1" } });
  expect(on.calls).toEqual(["Publish"]);
});

it("fails a publish whose signal is aborted before its result, leaving the stream to the others", async () => {
  const { client } = recordingClient(true);
  const controller = new AbortController();
  const aborted = client.pubsub.publish("t.b", "x", { signal: controller.signal });
  const other = client.pubsub.publish("t.b", "y");
  controller.abort();
  await expect(aborted).rejects.toThrow();
  expect(typeof (await other)).toBe("string");
});

it("ends the stream once nothing waits on it, so it never holds the process open", async () => {
  let ended = 0;
  const watchEnd: Interceptor = (next) => async (request) => {
    const response = await next(request);
    if (!response.stream || request.method.name !== "PublishStream") return response;
    const messages = response.message;
    return {
      ...response,
      message: (async function* () {
        yield* messages;
        ended++;
      })(),
    };
  };
  const transport = createGrpcTransportUnderTest({ baseUrl: server.url, interceptors: [watchEnd] });
  const client = createPrismClient({ transport, publishStream: true });
  // A sequential loop keeps using one stream (it publishes again within the turn its promise settled in).
  for (let i = 0; i < 5; i++) await client.pubsub.publish("t.idle", `m${i}`);
  // Well before any idle timeout a long-lived stream would have: the stream ended when the loop stopped.
  await vi.waitFor(() => expect(ended).toBe(1), { timeout: 1000, interval: 10 });
});
