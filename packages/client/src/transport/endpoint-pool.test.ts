// Several proxy URLs: calls spread round robin over the endpoints, an endpoint that fails UNAVAILABLE
// (here a closed port: connection refused) is avoided, reads are retried once on another endpoint and
// writes fail with the error, and avoidance doubles while the endpoint keeps failing. Against two
// in-process memstore patterns (each holds its own data, which shows which endpoint served a call).
import { createServer } from "node:net";
import { type Interceptor, createClient, createContextValues } from "@connectrpc/connect";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type RegistryServer, startRegistryServer } from "../../test/registry-server.js";
import { createGrpcTransportUnderTest } from "../../test/transport-under-test.js";
import { KeyNotFoundError, UnavailableError } from "../index.js";
import { createPrismClient } from "../prism-client.js";
import { type EndpointPin, createEndpointPoolTransport, endpointPinKey, idempotentMethods } from "./endpoint-pool.js";

let one: RegistryServer;
let two: RegistryServer;
let dead: string;

/** A URL nothing listens on (a port that was free a moment ago). */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Endpoints whose calls push their name onto `seen`, so a test sees where each call went. */
function recordingEndpoint(seen: string[]) {
  return (url: string, name: string) => {
    const record: Interceptor = (next) => (request) => {
      seen.push(name);
      return next(request);
    };
    return { url, transport: createGrpcTransportUnderTest({ baseUrl: url, interceptors: [record] }) };
  };
}

beforeAll(async () => {
  [one, two] = await Promise.all([startRegistryServer(), startRegistryServer()]);
  dead = await closedPortUrl();
});
afterAll(() => Promise.all([one.close(), two.close()]));

it("spreads calls round robin over the endpoints", async () => {
  const client = createPrismClient({ url: [one.url, two.url], publishStream: false });
  for (let index = 0; index < 6; index++) await client.kv.set(`spread:${index}`, "v");
  const onOne = createPrismClient({ url: one.url });
  const onTwo = createPrismClient({ url: two.url });
  const held = async (kv: typeof onOne.kv) => {
    const keys: string[] = [];
    for await (const entry of kv.scan("spread:")) keys.push(entry.key);
    return keys.sort();
  };
  expect(await held(onOne.kv)).toEqual(["spread:0", "spread:2", "spread:4"]);
  expect(await held(onTwo.kv)).toEqual(["spread:1", "spread:3", "spread:5"]);
});

it("retries a read once on another endpoint when the first is down", async () => {
  await createPrismClient({ url: one.url }).kv.set("retried", "yes");
  const client = createPrismClient({ url: [dead, one.url] });
  // The first call goes to the dead endpoint, fails UNAVAILABLE and is retried on the live one.
  expect(await client.kv.getString("retried")).toBe("yes");
  expect(await client.kv.exists("retried")).toBe(true);
  await expect(client.kv.get("missing")).rejects.toBeInstanceOf(KeyNotFoundError);
});

it("fails a write with UnavailableError once, then avoids the dead endpoint", async () => {
  const client = createPrismClient({ url: [dead, two.url], publishStream: false });
  await expect(client.kv.set("written", "1")).rejects.toBeInstanceOf(UnavailableError);
  // The dead endpoint is avoided now: every call goes to the live one.
  for (let index = 0; index < 4; index++) await client.kv.set("written", String(index));
  await expect(client.pubsub.publish("t.written", "x")).resolves.toEqual(expect.any(String));
  expect(await createPrismClient({ url: two.url }).kv.getString("written")).toBe("3");
});

it("fails a read on both endpoints down with UnavailableError (one retry, no more)", async () => {
  const other = await closedPortUrl();
  const client = createPrismClient({ url: [dead, other] });
  await expect(client.kv.get("anything")).rejects.toBeInstanceOf(UnavailableError);
});

it("avoids a failing endpoint for avoidMs, doubling while it keeps failing, and uses it again once it answers", async () => {
  let time = 1_000_000;
  const seen: string[] = [];
  const endpoint = recordingEndpoint(seen);
  const transport = createEndpointPoolTransport([endpoint(dead, "dead"), endpoint(one.url, "live")], {
    avoidMs: 5_000,
    maxAvoidMs: 60_000,
    now: () => time,
  });
  const client = createPrismClient({ transport, publishStream: false });
  const set = () =>
    client.kv.set("avoid", "x").then(
      () => "ok",
      (error: unknown) => (error instanceof UnavailableError ? "unavailable" : String(error)),
    );
  expect(await set()).toBe("unavailable");
  expect(await set()).toBe("ok");
  expect(await set()).toBe("ok");
  expect(seen.splice(0)).toEqual(["dead", "live", "live"]);
  time += 5_001; // avoidance over: tried again (and fails again), now for 10 s
  expect([await set(), await set()]).toEqual(["unavailable", "ok"]);
  time += 6_000;
  expect([await set(), await set()]).toEqual(["ok", "ok"]);
  expect(seen.splice(0)).toEqual(["dead", "live", "live", "live"]);
  time += 4_001;
  expect(await set()).toBe("unavailable");
  expect(seen.splice(0)).toEqual(["dead"]);
});

it("sends the calls that share a pin to the endpoint of the first one, without retrying them elsewhere", async () => {
  const seen: string[] = [];
  const endpoint = recordingEndpoint(seen);
  const kv = createClient(KeyValueService, createEndpointPoolTransport([endpoint(one.url, "one"), endpoint(two.url, "two")]));
  const header = { "prism-namespace": "default" };
  const pin: EndpointPin = {};
  const pinned = { headers: header, contextValues: createContextValues().set(endpointPinKey, pin) };
  await kv.exists({ key: "k" }, { headers: header }); // one
  await kv.exists({ key: "k" }, pinned); // two, and pinned there
  await kv.exists({ key: "k" }, pinned); // two
  await kv.exists({ key: "k" }, { headers: header }); // one
  await kv.exists({ key: "k" }, pinned); // two
  expect(seen).toEqual(["one", "two", "two", "one", "two"]);
  // A pinned read whose endpoint is down fails instead of moving (the pin names that endpoint's state).
  const downPin = { headers: header, contextValues: createContextValues().set(endpointPinKey, {}) };
  const withDead = createClient(KeyValueService, createEndpointPoolTransport([endpoint(dead, "dead"), endpoint(one.url, "one")]));
  seen.length = 0;
  await expect(withDead.get({ key: "k" }, downPin)).rejects.toMatchObject({ code: 14 });
  expect(seen).toEqual(["dead"]);
});

it("retries exactly the read-only unary methods", () => {
  expect([...idempotentMethods].map((name) => name.split(".").at(-1)).sort()).toEqual([
    "AdminService/GetNamespace",
    "AdminService/GetStatus",
    "AdminService/ListNamespaces",
    "KeyValueService/BatchGet",
    "KeyValueService/Exists",
    "KeyValueService/Get",
    "KeyValueService/Scan",
    "RegistryService/Enumerate",
    "RegistryService/Get",
  ]);
});

it("refuses an empty list of URLs", () => {
  expect(() => createPrismClient({ url: [] })).toThrow(/url is required/);
});

it("finds the proxies through a URL resolver: once before the first call, then every urlRefreshMs in the background", async () => {
  let urls: string[] = [one.url];
  let resolutions = 0;
  const resolver = async () => {
    resolutions++;
    return urls;
  };
  const slow = createPrismClient({ url: resolver, publishStream: false });
  for (let index = 0; index < 5; index++) await slow.kv.set(`resolved:${index}`, "v");
  expect(resolutions, "resolved once for five calls within urlRefreshMs").toBe(1);
  expect(await createPrismClient({ url: one.url }).kv.getString("resolved:4")).toBe("v");

  resolutions = 0;
  const client = createPrismClient({ url: resolver, urlRefreshMs: 0, publishStream: false });
  await client.kv.set("moved", "on one");
  urls = [two.url];
  // A refresh runs beside each call; once it has, calls go to the new URL.
  await vi.waitFor(async () => {
    await client.kv.set("moved", "on two");
    expect(await createPrismClient({ url: two.url }).kv.getString("moved")).toBe("on two");
  });
  expect(resolutions).toBeGreaterThan(1);
});

it("keeps the last URLs when a refresh fails or finds none, and says why when the first one does", async () => {
  let answer: () => readonly string[] = () => [one.url];
  const client = createPrismClient({ url: async () => answer(), urlRefreshMs: 0, publishStream: false });
  await client.kv.set("kept", "1");
  answer = () => {
    throw new Error("DNS is down");
  };
  for (let index = 0; index < 3; index++) await client.kv.set("kept", String(index));
  answer = () => [];
  await client.kv.set("kept", "still");
  expect(await createPrismClient({ url: one.url }).kv.getString("kept")).toBe("still");

  const never = createPrismClient({
    url: () => {
      throw new Error("DNS is down");
    },
  });
  await expect(never.kv.get("x")).rejects.toThrow(/no proxy URL to call: resolving the proxy URLs failed: DNS is down/);
  await expect(never.kv.get("x")).rejects.toBeInstanceOf(UnavailableError);
  const empty = createPrismClient({ url: () => [] });
  await expect(empty.kv.get("x")).rejects.toThrow(/the URL resolver returned no URL/);
});
