// End to end: the real prism-proxy with `cors.allowOrigins` answers a browser's preflight and marks
// Connect (HTTP/1.1) responses for the allowed origin only; other origins get no CORS headers, a
// preflight refusal that says why, and one (rate-limited) warning in the log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

const appOrigin = "http://app.example";
const setPath = "/prism.keyvalue.v1.KeyValueService/Set";
let proxy: ProxyProcess;

beforeAll(async () => {
  proxy = await startProxyProcess({ config: { cors: { allowOrigins: [appOrigin] } } });
});

afterAll(async () => {
  await proxy?.stop();
});

function connectSet(origin: string): Promise<Response> {
  return fetch(proxy.url + setPath, {
    method: "POST",
    headers: { "content-type": "application/json", origin, "prism-namespace": "default" },
    body: JSON.stringify({ key: "a", value: "aGk=" }),
  });
}

describe("CORS on the front door", () => {
  it("answers a preflight from the allowed origin with 204 and the CORS headers", async () => {
    const response = await fetch(proxy.url + setPath, {
      method: "OPTIONS",
      headers: {
        origin: appOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,connect-protocol-version,prism-namespace",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(appOrigin);
    expect(response.headers.get("vary")).toContain("Origin");
    expect(response.headers.get("access-control-allow-methods")).toBe("POST, GET, OPTIONS");
    const allowed = response.headers.get("access-control-allow-headers")?.split(", ") ?? [];
    for (const name of [
      "content-type",
      "connect-protocol-version",
      "connect-timeout-ms",
      "x-grpc-web",
      "x-user-agent",
      "grpc-timeout",
      "prism-namespace",
      "authorization",
    ]) {
      expect(allowed).toContain(name);
    }
    expect(response.headers.get("access-control-max-age")).toBe("7200");
  });

  it("marks a Connect unary call from the allowed origin", async () => {
    const response = await connectSet(appOrigin);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(response.headers.get("access-control-allow-origin")).toBe(appOrigin);
    const exposed = response.headers.get("access-control-expose-headers")?.split(", ") ?? [];
    for (const name of ["grpc-status", "grpc-message", "grpc-status-details-bin", "prism-error-reason"]) {
      expect(exposed).toContain(name);
    }
  });

  it("refuses another origin's preflight saying why, gives its call no CORS headers, and logs the refusal once", async () => {
    for (let i = 0; i < 3; i++) {
      const preflight = await fetch(proxy.url + setPath, {
        method: "OPTIONS",
        headers: { origin: "http://other.example", "access-control-request-method": "POST" },
      });
      expect(preflight.status).toBe(403);
      expect(await preflight.text()).toContain("origin http://other.example may not call this Prism proxy. Add it to cors.allowOrigins");
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
    }
    const call = await connectSet("http://other.example");
    await call.arrayBuffer();
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
    expect(call.headers.get("access-control-expose-headers")).toBeNull();
    await proxy.waitForLog((record) => record.msg.startsWith("refused a cross-origin call from http://other.example"));
    expect(proxy.logs.filter((record) => record.msg.startsWith("refused a cross-origin call")).map((record) => record.level)).toEqual([
      "warn",
    ]);
  });
});
