// Tests for the browser transport: protocol choice, the "grpc" refusal, and a real fetch round trip.
import { createClient } from "@connectrpc/connect";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeKeyValueServer, startFakeKeyValueServer } from "../../test/fake-keyvalue-server.js";
import { UnavailableError } from "../errors/error-classes.js";
import { createPrismClient } from "../prism-client.js";
import { createDefaultTransport } from "./default-transport-web.js";

describe("createDefaultTransport (web)", () => {
  let server: FakeKeyValueServer;
  beforeAll(async () => {
    server = await startFakeKeyValueServer("h1");
  });
  afterAll(() => server.close());

  it("refuses native gRPC with a clear message", () => {
    expect(() => createDefaultTransport({ url: "http://localhost:1", protocol: "grpc" })).toThrow(
      /browsers.*cannot speak native gRPC.*"connect" or "grpc-web"/,
    );
  });

  it("turns a fetch that gets no answer into UnavailableError with the CORS hint", async () => {
    const closed = await startFakeKeyValueServer("h1");
    const url = closed.url;
    await closed.close();
    const prism = createPrismClient({ url, transport: createDefaultTransport({ url }) });
    const failure = await prism.kv.get("k").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as UnavailableError).message).toMatch(/cannot reach the Prism proxy \(fetch failed\).*cors\.allowOrigins/);
  });

  it.each([undefined, "connect", "grpc-web"] as const)("talks to a server over fetch with protocol %s", async (protocol) => {
    const transport = createDefaultTransport({ url: server.url, ...(protocol ? { protocol } : {}) });
    const rpc = createClient(KeyValueService, transport);
    await rpc.set({ key: `web:${protocol}`, value: new Uint8Array([1, 2, 3]) });
    expect((await rpc.get({ key: `web:${protocol}` })).value).toEqual(new Uint8Array([1, 2, 3]));
  });
});
