// The lean gRPC server and callUnary together, over a unix socket: success, error status and
// message propagation, unknown methods, malformed bodies and grpc-timeout deadlines.
import { Code, ConnectError } from "@connectrpc/connect";
import { GetRequestSchema, GetResponseSchema, KeyValueService, SetRequestSchema, SetResponseSchema } from "@prism/proto/keyvalue/v1";
import type { ClientHttp2Session } from "node:http2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callUnary } from "./call-unary.js";
import { encodeFrame } from "./grpc-frame.js";
import { addService } from "./grpc-method-table.js";
import { type ServedTable, serveOnSocket } from "../test/serve-on-socket.js";
import type { ServiceHandlers } from "./service-handlers.js";

const getPath = "/prism.keyvalue.v1.KeyValueService/Get";
const setPath = "/prism.keyvalue.v1.KeyValueService/Set";
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const unexpected = async (): Promise<never> => {
  throw new Error("not used in this test");
};

let served: ServedTable;
let session: ClientHttp2Session;
/** Signals handed to the `hang` key's Get, to check they are aborted at the deadline. */
let hangSignals: AbortSignal[];
let setKeys: string[];

const handlers: ServiceHandlers<typeof KeyValueService> = {
  async get(request, context) {
    if (request.key === "hang") {
      hangSignals.push(context.signal);
      return new Promise<never>(() => {});
    }
    if (request.key === "missing") {
      throw new ConnectError('clé "missing" introuvable — 100% absent 🚫', Code.NotFound);
    }
    if (request.key === "crash") throw new TypeError("kaboom");
    return { value: bytes(`value of ${request.key}`) };
  },
  async set(request) {
    setKeys.push(request.key);
    return {};
  },
  delete: unexpected,
  exists: unexpected,
  scan: unexpected,
  batchGet: unexpected,
  batchSet: unexpected,
  batchDelete: unexpected,
};

beforeEach(async () => {
  hangSignals = [];
  setKeys = [];
  served = await serveOnSocket(addService(KeyValueService, handlers));
  session = served.session;
});

afterEach(() => served.close());

async function rejects(promise: Promise<unknown>, code: Code): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(code);
    return error as ConnectError;
  }
  throw new Error(`expected ${Code[code]}`);
}

/** Sends a raw body on `path` and returns the grpc-status and grpc-message received. */
function rawCall(path: string, body: Buffer): Promise<{ status: string | undefined; message: string | undefined }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    let headers: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("data", () => {});
    stream.on("error", reject);
    stream.on("close", () => {
      const status = (trailers["grpc-status"] ?? headers["grpc-status"]) as string | undefined;
      const message = (trailers["grpc-message"] ?? headers["grpc-message"]) as string | undefined;
      resolve({ status, message });
    });
    stream.end(body);
  });
}

describe("gRPC server with callUnary", () => {
  it("answers a unary call with the handler's response", async () => {
    const response = await callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "k1" });
    expect(new TextDecoder().decode(response.value)).toBe("value of k1");
    await callUnary(session, setPath, SetRequestSchema, SetResponseSchema, { key: "s", value: bytes("v") });
    expect(setKeys).toEqual(["s"]);
  });

  it("serves many concurrent calls on one session", async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const responses = await Promise.all(keys.map((key) => callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key })));
    expect(responses.map((response) => new TextDecoder().decode(response.value))).toEqual(keys.map((key) => `value of ${key}`));
  });

  it("propagates a handler's error code and non-ASCII message", async () => {
    const error = await rejects(callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "missing" }), Code.NotFound);
    expect(error.rawMessage).toBe('clé "missing" introuvable — 100% absent 🚫');
  });

  it("turns a non-Connect handler error into INTERNAL", async () => {
    const error = await rejects(callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "crash" }), Code.Internal);
    expect(error.rawMessage).toContain("kaboom");
  });

  it("answers an unknown path with UNIMPLEMENTED naming it", async () => {
    const path = "/prism.keyvalue.v1.KeyValueService/Nope";
    const error = await rejects(callUnary(session, path, GetRequestSchema, GetResponseSchema, { key: "k" }), Code.Unimplemented);
    expect(error.rawMessage).toContain(path);
  });

  it("enforces a grpc-timeout deadline on a handler that never resolves", async () => {
    await rejects(
      callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "hang" }, { timeoutMs: 50 }),
      Code.DeadlineExceeded,
    );
  });

  it("rejects with the abort reason's status when aborted with one, CANCELLED otherwise", async () => {
    const deadline = new AbortController();
    const call = callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "hang" }, { signal: deadline.signal });
    deadline.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
    await rejects(call, Code.DeadlineExceeded);
    const plain = new AbortController();
    const cancelled = callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "hang" }, { signal: plain.signal });
    plain.abort();
    await rejects(cancelled, Code.Canceled);
  });

  it("ends the call server-side at the grpc-timeout and aborts the handler's signal", async () => {
    // No client-side timer: only the server's deadline can end this call.
    const error = await rejects(
      callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "hang" }, { headers: { "grpc-timeout": "50m" } }),
      Code.DeadlineExceeded,
    );
    expect(error.rawMessage).toContain("50 ms");
    expect(hangSignals).toHaveLength(1);
    expect(hangSignals[0]?.aborted).toBe(true);
    // The session is still usable afterwards.
    const response = await callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "after" });
    expect(new TextDecoder().decode(response.value)).toBe("value of after");
  });

  it("rejects a body that is not one frame with INVALID_ARGUMENT", async () => {
    const frame = encodeFrame(new Uint8Array([10, 1, 0x61]));
    const result = await rawCall(getPath, Buffer.concat([frame, frame]));
    expect(result.status).toBe(String(Code.InvalidArgument));
    const truncated = await rawCall(getPath, frame.subarray(0, 6));
    expect(truncated.status).toBe(String(Code.InvalidArgument));
  });

  it("rejects a compressed frame with UNIMPLEMENTED", async () => {
    const frame = encodeFrame(new Uint8Array([10, 1, 0x61]));
    frame[0] = 1;
    const result = await rawCall(getPath, frame);
    expect(result.status).toBe(String(Code.Unimplemented));
    expect(result.message).toContain("compressed");
  });

  it("rejects bytes that are not the request message with INVALID_ARGUMENT", async () => {
    const result = await rawCall(getPath, encodeFrame(new Uint8Array([0xff, 0xff, 0xff])));
    expect(result.status).toBe(String(Code.InvalidArgument));
  });

  it("fails fast with UNAVAILABLE on a closed session", async () => {
    session.close();
    await rejects(callUnary(session, getPath, GetRequestSchema, GetResponseSchema, { key: "k" }), Code.Unavailable);
  });
});
