// withDecodeErrorStatus turns exactly Connect's "parse binary" INTERNAL into INVALID_ARGUMENT, for binary unary requests only.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { FrontDoorHandler } from "./connect-front-door.js";
import { withDecodeErrorStatus } from "./decode-error-status.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves withDecodeErrorStatus around a stub that answers 500 with `body` (as connect-node writes: head, then body). */
async function serve(body: string): Promise<string> {
  const stub: FrontDoorHandler = (_request, response) => {
    const http = response as ServerResponse;
    http.writeHead(500, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
    http.write(body);
    http.end();
  };
  const server = createServer(withDecodeErrorStatus(stub));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("withDecodeErrorStatus", () => {
  it("answers an unparsable binary request 400 invalid_argument with a correct content-length", async () => {
    const url = await serve('{"code":"internal","message":"parse binary: premature EOF"}');
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/proto" }, body: "x" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: "invalid_argument", message: "parse binary: premature EOF" });
  });

  it("leaves any other 500, and other content types, as they are", async () => {
    const url = await serve('{"code":"internal","message":"something broke"}');
    const other = await fetch(url, { method: "POST", headers: { "content-type": "application/proto" }, body: "x" });
    expect(other.status).toBe(500);
    expect(await other.json()).toEqual({ code: "internal", message: "something broke" });
    const json = await fetch(await serve('{"code":"internal","message":"parse binary: x"}'), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x",
    });
    expect(json.status).toBe(500);
  });
});
