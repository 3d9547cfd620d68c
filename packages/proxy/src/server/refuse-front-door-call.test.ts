// refuseFrontDoorCall answers in each protocol's own form: Connect unary as an HTTP status with the
// JSON error, Connect streaming as an end-of-stream message (its clients read the code there),
// gRPC-Web as trailers-only; on HTTP/1.1 the connection is closed instead of reading the body.
import { Code } from "@connectrpc/connect";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { refuseFrontDoorCall } from "./refuse-front-door-call.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(): Promise<string> {
  const server = createServer((request, response) => refuseFrontDoorCall(request, response, Code.ResourceExhausted, "too much"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = async (url: string, contentType: string) =>
  fetch(url, { method: "POST", headers: { "content-type": contentType }, body: new Uint8Array(8) });

describe("refuseFrontDoorCall", () => {
  it("answers Connect unary with 429 and the JSON error, and closes the HTTP/1.1 connection", async () => {
    const response = await post(await serve(), "application/proto");
    expect(response.status).toBe(429);
    expect(response.headers.get("connection")).toBe("close");
    expect(await response.json()).toEqual({ code: "resource_exhausted", message: "too much" });
  });

  it("answers a Connect streaming call with 200 and an end-of-stream message carrying the error", async () => {
    const response = await post(await serve(), "application/connect+proto");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/connect+proto");
    const body = Buffer.from(await response.arrayBuffer());
    expect(body[0]).toBe(0x02);
    expect(body.readUInt32BE(1)).toBe(body.byteLength - 5);
    expect(JSON.parse(body.subarray(5).toString("utf8"))).toEqual({ error: { code: "resource_exhausted", message: "too much" } });
  });

  it("answers gRPC-Web trailers-only", async () => {
    const response = await post(await serve(), "application/grpc-web+proto");
    expect(response.status).toBe(200);
    expect(response.headers.get("grpc-status")).toBe(String(Code.ResourceExhausted));
    expect(response.headers.get("grpc-message")).toBe("too much");
  });
});
