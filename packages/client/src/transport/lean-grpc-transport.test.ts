// Tests of the lean gRPC transport against a real node:http2 server written in the test: statuses
// and metadata, trailers-only answers, deadlines, cancellation, server streams, interceptors, and
// the session pool (GOAWAY, a lost connection, the server's stream limit, idle close).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { GetRequestSchema, GetResponseSchema, KeyValueService } from "@prism/proto/keyvalue/v1";
import { PubSubService, SubscribeRequestSchema, SubscribeResponseSchema } from "@prism/proto/pubsub/v1";
import { decodeSingleFrame, encodeFrame } from "@prism/wire";
import {
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type Settings,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLeanGrpcTransport, type LeanGrpcTransport } from "./lean-grpc-transport.js";

/** Answers one call: the stream, its request headers and its request message bytes. */
type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, request: Uint8Array) => void;

/** A node:http2 gRPC server run by a test. */
type TestServer = {
  url: string;
  /** Every session the server accepted, in order. */
  sessions: ServerHttp2Session[];
  /** Request headers of every call, in order. */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
};

const servers: TestServer[] = [];
const transports: LeanGrpcTransport[] = [];

afterEach(async () => {
  // Servers first: they drop their connections, so no transport waits for a call a failed test left hanging.
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

/** Starts a server on a free port that hands every call (once its request body ended) to `handler`. */
async function startServer(handler: Handler, settings: Settings = {}): Promise<TestServer> {
  const server: Http2Server = createServer({ settings });
  const state: TestServer = {
    url: "",
    sessions: [],
    requests: [],
    close: () =>
      new Promise((resolve) => {
        for (const session of state.sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
  server.on("session", (session) => state.sessions.push(session));
  server.on("stream", (stream, headers) => {
    state.requests.push(headers);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.on("end", () => {
      const frame = decodeSingleFrame(Buffer.concat(chunks));
      handler(stream, headers, frame.ok ? frame.message : new Uint8Array());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(state);
  return state;
}

/** A transport to `server` that the test closes afterwards. */
function transportTo(server: TestServer, options: { interceptors?: Interceptor[]; idleConnectionTimeoutMs?: number } = {}) {
  const transport = createLeanGrpcTransport({ baseUrl: server.url, ...options });
  transports.push(transport);
  return transport;
}

const okHead: OutgoingHttpHeaders = { ":status": 200, "content-type": "application/grpc" };

/** Answers a Get with the key echoed as the value, with `extra` response headers and trailers. */
function answerGet(
  stream: ServerHttp2Stream,
  request: Uint8Array,
  extra: { header?: OutgoingHttpHeaders; trailer?: OutgoingHttpHeaders } = {},
) {
  const { key } = fromBinary(GetRequestSchema, request);
  stream.respond({ ...okHead, ...extra.header }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", ...extra.trailer }));
  stream.end(encodeFrame(toBinary(GetResponseSchema, create(GetResponseSchema, { value: new TextEncoder().encode(key) }))));
}

/** Answers with a status in the trailers after an empty body. */
function answerStatus(stream: ServerHttp2Stream, trailer: OutgoingHttpHeaders, header: OutgoingHttpHeaders = {}) {
  stream.respond({ ...okHead, ...header }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(trailer));
  stream.end();
}

/** The error a promise rejects with, as a ConnectError. */
async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("the lean gRPC transport", () => {
  it("makes unary calls with the gRPC headers, response headers and trailers, and plain Uint8Array bytes", async () => {
    const server = await startServer((stream, _headers, request) =>
      answerGet(stream, request, { header: { "x-head": "h" }, trailer: { "x-tail": "t" } }),
    );
    const client = createClient(KeyValueService, transportTo(server));
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const response = await client.get(
      { key: "k1" },
      { headers: { "prism-namespace": "n1" }, timeoutMs: 5000, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    expect(response.value).toEqual(new TextEncoder().encode("k1"));
    expect(Buffer.isBuffer(response.value)).toBe(false);
    expect(header?.get("x-head")).toBe("h");
    expect(trailer?.get("x-tail")).toBe("t");
    const [seen] = server.requests;
    expect(seen).toMatchObject({
      ":method": "POST",
      ":path": "/prism.keyvalue.v1.KeyValueService/Get",
      "content-type": "application/grpc+proto",
      te: "trailers",
      "prism-namespace": "n1",
      "grpc-timeout": "5000m",
    });
  });

  it("runs interceptors on unary calls and server streams", async () => {
    const server = await startServer((stream, headers, request) => {
      if (headers[":path"] === "/prism.keyvalue.v1.KeyValueService/Get") answerGet(stream, request);
      else answerStatus(stream, { "grpc-status": "0" });
    });
    const seen: string[] = [];
    const interceptor: Interceptor = (next) => async (req) => {
      seen.push(req.method.name);
      req.header.set("x-intercepted", "yes");
      return next(req);
    };
    const transport = transportTo(server, { interceptors: [interceptor] });
    await createClient(KeyValueService, transport).get({ key: "a" });
    for await (const _ of createClient(PubSubService, transport).subscribe({ topic: "t" })) {
      // no messages
    }
    expect(seen).toEqual(["Get", "Subscribe"]);
    expect(server.requests.map((h) => h["x-intercepted"])).toEqual(["yes", "yes"]);
  });

  it("throws the status with its percent-decoded message and header and trailer metadata", async () => {
    const server = await startServer((stream) =>
      answerStatus(
        stream,
        { "grpc-status": String(Code.NotFound), "grpc-message": encodeURIComponent('key "ä" not found'), "prism-error-reason": "key" },
        { "x-head": "h" },
      ),
    );
    const error = await failure(createClient(KeyValueService, transportTo(server)).get({ key: "a" }));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe('key "ä" not found');
    expect(error.metadata.get("prism-error-reason")).toBe("key");
    expect(error.metadata.get("x-head")).toBe("h");
  });

  it("reads a trailers-only answer (the status in the response headers)", async () => {
    const server = await startServer((stream) =>
      stream.respond(
        { ...okHead, "grpc-status": String(Code.PermissionDenied), "grpc-message": "no", "prism-error-reason": "denied" },
        { endStream: true },
      ),
    );
    const transport = transportTo(server);
    const error = await failure(createClient(KeyValueService, transport).get({ key: "a" }));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe("no");
    expect(error.metadata.get("prism-error-reason")).toBe("denied");
    const streamError = await failure(
      (async () => {
        for await (const _ of createClient(PubSubService, transport).subscribe({ topic: "t" })) {
          // none
        }
      })(),
    );
    expect(streamError.code).toBe(Code.PermissionDenied);
  });

  it("maps an HTTP error status and a missing grpc-status the way Connect does", async () => {
    const server = await startServer((stream, headers) => {
      if (headers["prism-namespace"] === "http") stream.respond({ ":status": 503 }, { endStream: true });
      else {
        stream.respond(okHead);
        stream.end();
      }
    });
    const client = createClient(KeyValueService, transportTo(server));
    expect((await failure(client.get({ key: "a" }, { headers: { "prism-namespace": "http" } }))).code).toBe(Code.Unavailable);
    expect((await failure(client.get({ key: "a" }))).code).toBe(Code.Internal);
  });

  it("fails with DEADLINE_EXCEEDED when the deadline passes, and resets the stream", async () => {
    const closed: Promise<void>[] = [];
    const server = await startServer((stream) => {
      closed.push(new Promise((resolve) => stream.once("close", resolve)));
    });
    const error = await failure(createClient(KeyValueService, transportTo(server)).get({ key: "a" }, { timeoutMs: 50 }));
    expect(error.code).toBe(Code.DeadlineExceeded);
    await Promise.all(closed);
  });

  it("fails with CANCELED when the signal aborts, unary and streaming, and resets the streams", async () => {
    const closed: Promise<void>[] = [];
    let opened = 0;
    const server = await startServer((stream, headers) => {
      opened++;
      closed.push(new Promise((resolve) => stream.once("close", resolve)));
      if (headers[":path"]?.endsWith("/Subscribe")) {
        stream.respond(okHead);
        stream.write(encodeFrame(toBinary(SubscribeResponseSchema, create(SubscribeResponseSchema, {}))));
      }
    });
    const transport = transportTo(server);
    const controller = new AbortController();
    const call = createClient(KeyValueService, transport).get({ key: "a" }, { signal: controller.signal });
    await until(() => opened === 1);
    controller.abort();
    expect((await failure(call)).code).toBe(Code.Canceled);

    const streamController = new AbortController();
    const iterator = createClient(PubSubService, transport)
      .subscribe({ topic: "t" }, { signal: streamController.signal })
      [Symbol.asyncIterator]();
    await iterator.next();
    streamController.abort();
    expect((await failure(iterator.next())).code).toBe(Code.Canceled);
    await Promise.all(closed);
  });

  it("streams server messages, then the status with its metadata", async () => {
    const server = await startServer((stream, _headers, request) => {
      const { topic } = fromBinary(SubscribeRequestSchema, request);
      stream.respond(okHead, { waitForTrailers: true });
      stream.once("wantTrailers", () =>
        stream.sendTrailers(
          topic === "fail" ? { "grpc-status": String(Code.Unavailable), "grpc-message": "gone", "x-why": "w" } : { "grpc-status": "0" },
        ),
      );
      for (let i = 0; i < 3; i++) {
        const message = create(SubscribeResponseSchema, {
          event: { case: "message", value: { topic, messageId: `m${i}`, payload: new Uint8Array([i]) } },
        });
        stream.write(encodeFrame(toBinary(SubscribeResponseSchema, message)));
      }
      stream.end();
    });
    const client = createClient(PubSubService, transportTo(server));
    const ids: string[] = [];
    for await (const response of client.subscribe({ topic: "ok" })) {
      if (response.event.case === "message") {
        ids.push(response.event.value.messageId);
        expect(Buffer.isBuffer(response.event.value.payload)).toBe(false);
      }
    }
    expect(ids).toEqual(["m0", "m1", "m2"]);
    const received: string[] = [];
    const error = await failure(
      (async () => {
        for await (const response of client.subscribe({ topic: "fail" })) {
          if (response.event.case === "message") received.push(response.event.value.messageId);
        }
      })(),
    );
    expect(received).toEqual(["m0", "m1", "m2"]);
    expect(error.code).toBe(Code.Unavailable);
    expect(error.metadata.get("x-why")).toBe("w");
  });

  it("refuses client and bidi streams with UNIMPLEMENTED", async () => {
    const server = await startServer((stream) => answerStatus(stream, { "grpc-status": "0" }));
    const method = {
      ...PubSubService.method.subscribe,
      methodKind: "client_streaming",
    } as unknown as typeof PubSubService.method.subscribe;
    const requests = (async function* () {
      yield create(SubscribeRequestSchema, {});
    })();
    const error = await failure(transportTo(server).stream(method, undefined, undefined, undefined, requests));
    expect(error.code).toBe(Code.Unimplemented);
  });

  it("opens a new session after GOAWAY", async () => {
    const server = await startServer((stream, _headers, request) => answerGet(stream, request));
    const client = createClient(KeyValueService, transportTo(server));
    await client.get({ key: "a" });
    const first = server.sessions[0] as ServerHttp2Session;
    // Whether the next call starts before or after the client read the GOAWAY, it is answered on a new session.
    first.goaway();
    expect((await client.get({ key: "b" })).value).toEqual(new TextEncoder().encode("b"));
    expect(server.sessions).toHaveLength(2);
  });

  it("fails a call on a lost connection with UNAVAILABLE, and the next call reconnects", async () => {
    let hold = true;
    const server = await startServer((stream, _headers, request) => {
      if (!hold) answerGet(stream, request);
    });
    const client = createClient(KeyValueService, transportTo(server));
    const call = client.get({ key: "a" });
    await until(() => server.requests.length === 1);
    (server.sessions[0] as ServerHttp2Session).destroy();
    expect((await failure(call)).code).toBe(Code.Unavailable);
    hold = false;
    expect((await client.get({ key: "b" })).value).toEqual(new TextEncoder().encode("b"));
    expect(server.sessions).toHaveLength(2);
  });

  it("fails with UNAVAILABLE when nothing listens", async () => {
    const server = await startServer(() => {});
    const transport = transportTo(server);
    await server.close();
    const error = await failure(createClient(KeyValueService, transport).get({ key: "a" }));
    expect(error.code).toBe(Code.Unavailable);
  });

  it("opens another session when the busy ones reach the server's stream limit", async () => {
    const held: Array<() => void> = [];
    const server = await startServer(
      (stream, headers, request) => {
        if (headers["prism-namespace"] === "warm") answerGet(stream, request);
        else held.push(() => answerGet(stream, request));
        if (held.length === 10) for (const answer of held) answer();
      },
      { maxConcurrentStreams: 5 },
    );
    const client = createClient(KeyValueService, transportTo(server));
    // The first call lets the client learn the limit from the server's SETTINGS.
    await client.get({ key: "warm" }, { headers: { "prism-namespace": "warm" } });
    const calls = Array.from({ length: 10 }, (_, i) => client.get({ key: `k${i}` }));
    const values = await Promise.all(calls);
    expect(values.map((v) => new TextDecoder().decode(v.value))).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
    expect(server.sessions).toHaveLength(2);
  });

  it("spreads many concurrent calls over a few sessions (16 calls each before another opens)", async () => {
    const held: Array<() => void> = [];
    const server = await startServer((stream, _headers, request) => {
      held.push(() => answerGet(stream, request));
      if (held.length === 40) for (const answer of held) answer();
    });
    const client = createClient(KeyValueService, transportTo(server));
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.get({ key: `k${i}` })));
    expect(server.sessions).toHaveLength(3);
  });

  it("closes a session that stays idle, and reconnects for the next call", async () => {
    const server = await startServer((stream, _headers, request) => answerGet(stream, request));
    const client = createClient(KeyValueService, transportTo(server, { idleConnectionTimeoutMs: 20 }));
    await client.get({ key: "a" });
    const first = server.sessions[0] as ServerHttp2Session;
    await new Promise((resolve) => first.once("close", resolve));
    await client.get({ key: "b" });
    expect(server.sessions).toHaveLength(2);
  });
});

/** Resolves once `condition()` holds (polled every few milliseconds). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
