// The hop framing end to end on a unix socket: a unary call answered with its message, an error
// answered with its status and metadata, a method that is not unary refused, frames split at any
// byte, and a cancel frame aborting the handler's signal.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { GetRequestSchema, GetResponseSchema, KeyValueService } from "@prism/proto/keyvalue/v1";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { addService } from "./grpc-method-table.js";
import { encodeHopCancel, encodeHopRequest, type HopFrame, HopFrameReader } from "./hop-frame.js";
import { createHopServer, type HopServer } from "./hop-server.js";
import type { ServiceHandlers } from "./service-handlers.js";

const getPath = "/prism.keyvalue.v1.KeyValueService/Get";
const unexpected = async (): Promise<never> => {
  throw new Error("not used in this test");
};
let aborted: Promise<unknown>;
const handlers: ServiceHandlers<typeof KeyValueService> = {
  async get(request, context) {
    if (request.key === "missing") throw new ConnectError("no such key", Code.NotFound, { "prism-error-reason": "KEY_NOT_FOUND" });
    if (request.key === "hang") {
      aborted = new Promise((resolve) => context.signal.addEventListener("abort", () => resolve(context.signal.reason)));
      return new Promise<never>(() => {});
    }
    if (request.key === "trace") return { value: new TextEncoder().encode(context.traceparent ?? "none"), found: true };
    return { value: new TextEncoder().encode(`value of ${request.key}`), found: true };
  },
  set: unexpected,
  delete: unexpected,
  exists: unexpected,
  scan: unexpected,
  batchGet: unexpected,
  batchSet: unexpected,
  batchDelete: unexpected,
};

let dir: string;
let hop: HopServer;
let socket: Socket;
let frames: HopFrame[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "prism-hop-test-"));
  const table = addService(KeyValueService, handlers);
  hop = createHopServer((path) => table.get(path), { maxRequestBytes: 1024 });
  const path = join(dir, "hop.sock");
  await new Promise<void>((resolve) => hop.server.listen(path, resolve));
  socket = connect(path);
  frames = [];
  const reader = new HopFrameReader(1 << 20);
  socket.on("data", (chunk: Buffer) => frames.push(...reader.push(chunk)));
});

afterEach(async () => {
  socket.destroy();
  await hop.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (key: string) => toBinary(GetRequestSchema, create(GetRequestSchema, { key }));
async function answers(count: number): Promise<HopFrame[]> {
  for (let i = 0; i < 200 && frames.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  return frames;
}

it("answers unary calls by id, with the message or the status and its metadata, also when frames arrive a byte at a time", async () => {
  const bytes = Buffer.concat([
    encodeHopRequest(7, getPath, undefined, "", get("a")),
    encodeHopRequest(8, getPath, 5000, "", get("missing")),
  ]);
  for (let i = 0; i < bytes.byteLength; i++) socket.write(bytes.subarray(i, i + 1));
  const [first, second] = (await answers(2)).sort((x, y) => x.id - y.id);
  expect(first?.id).toBe(7);
  expect(new TextDecoder().decode(fromBinary(GetResponseSchema, (first as { message: Uint8Array }).message).value)).toBe("value of a");
  expect(second).toMatchObject({
    id: 8,
    status: { code: Code.NotFound, message: "no such key", metadata: { "prism-error-reason": "KEY_NOT_FOUND" } },
  });
});

it("refuses a path that is not a unary method served here, UNIMPLEMENTED", async () => {
  socket.write(encodeHopRequest(1, "/prism.keyvalue.v1.KeyValueService/Nope", undefined, "", get("a")));
  expect((await answers(1))[0]).toMatchObject({ id: 1, status: { code: Code.Unimplemented } });
});

it("aborts the handler's signal on a cancel frame and sends no answer", async () => {
  socket.write(encodeHopRequest(3, getPath, undefined, "", get("hang")));
  await new Promise((resolve) => setTimeout(resolve, 20));
  socket.write(encodeHopCancel(3));
  expect(await aborted).toBeInstanceOf(ConnectError);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(frames).toEqual([]);
});

it("hands the request's traceparent to the handler's context, and none when the frame has none", async () => {
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  socket.write(encodeHopRequest(1, getPath, undefined, "", get("trace"), traceparent));
  socket.write(encodeHopRequest(2, getPath, undefined, "", get("trace")));
  // Not a traceparent (non-ASCII, too long): not carried, and the message after it arrives intact.
  socket.write(encodeHopRequest(3, getPath, undefined, "", get("trace"), `00-é${"f".repeat(300)}`));
  const [first, second, third] = await answers(3);
  const textOf = (frame: HopFrame | undefined) =>
    frame?.kind === 2 && frame.message ? fromBinary(GetResponseSchema, frame.message).value : new Uint8Array();
  expect(new TextDecoder().decode(textOf(first))).toBe(traceparent);
  expect(new TextDecoder().decode(textOf(second))).toBe("none");
  expect(new TextDecoder().decode(textOf(third))).toBe("none");
});
