// Unit tests of the CORS wrapper (on a real node:http server around a stub front door) and of the
// `cors` config block: preflights, actual responses, disallowed origins, "*", and validation.
import { ConfigError } from "@prism/pattern-sdk";
import { createLogger } from "@prism/pattern-sdk/host";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseProxyConfig, type CorsConfig } from "../config/proxy-config.js";
import type { FrontDoorHandler } from "./connect-front-door.js";
import { corsAllowedHeaders, corsExposedHeaders, isOriginAllowed, withCors } from "./cors.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves `withCors(config, stub)`; the stub answers 200 with its own headers and counts calls; warnings land in `warnings`. */
async function serve(config: CorsConfig): Promise<{ url: string; calls: () => number; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = createLogger({ write: (line) => void warnings.push(JSON.parse(line).msg as string), level: "warn" });
  let calls = 0;
  const stub: FrontDoorHandler = (_request, response) => {
    calls++;
    (response as ServerResponse).writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  };
  const server = createServer(withCors(config, stub, logger));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls, warnings };
}

const preflight = (origin: string) => ({
  method: "OPTIONS",
  headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,prism-namespace" },
});

describe("withCors", () => {
  it("answers a preflight from an allowed origin with 204 and every CORS header", async () => {
    const { url, calls } = await serve({ allowOrigins: ["http://app.example"], maxAgeSeconds: 600 });
    const response = await fetch(`${url}/prism.keyvalue.v1.KeyValueService/Set`, preflight("http://app.example"));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://app.example");
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
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(calls()).toBe(0);
  });

  it("adds allow-origin and expose-headers to an actual response and keeps the handler's headers", async () => {
    const { url, calls } = await serve({ allowOrigins: ["http://app.example"], maxAgeSeconds: 7200 });
    const response = await fetch(url, { method: "POST", headers: { origin: "http://app.example" }, body: "{}" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("access-control-allow-origin")).toBe("http://app.example");
    expect(response.headers.get("vary")).toBe("Origin");
    const exposed = response.headers.get("access-control-expose-headers")?.split(", ") ?? [];
    for (const name of ["grpc-status", "grpc-message", "grpc-status-details-bin", "prism-error-reason"]) {
      expect(exposed).toContain(name);
    }
    expect(calls()).toBe(1);
  });

  it("refuses a disallowed origin's preflight with 403 and a body that says why, and gives its calls no CORS headers", async () => {
    const { url, calls, warnings } = await serve({ allowOrigins: ["http://app.example"], maxAgeSeconds: 7200 });
    const refusal = await fetch(`${url}/prism.keyvalue.v1.KeyValueService/Set`, preflight("http://evil.example"));
    expect(refusal.status).toBe(403);
    expect(await refusal.text()).toBe(
      "CORS: origin http://evil.example may not call this Prism proxy. " +
        "Add it to cors.allowOrigins in the proxy's prism.yaml (or serve the page from an allowed origin).\n",
    );
    expect(refusal.headers.get("access-control-allow-origin")).toBeNull();
    expect(refusal.headers.get("vary")).toBe("Origin");
    const call = await fetch(url, { method: "POST", headers: { origin: "http://evil.example" }, body: "{}" });
    expect(call.status).toBe(200);
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
    expect(call.headers.get("access-control-expose-headers")).toBeNull();
    expect(call.headers.get("vary")).toBe("Origin");
    expect(calls()).toBe(1);
    expect(warnings).toEqual([
      "refused a cross-origin call from http://evil.example to /prism.keyvalue.v1.KeyValueService/Set: " +
        "the origin is not in cors.allowOrigins, so the browser blocks the answer",
    ]);
  });

  it("refuses and explains every origin's preflight when none is allowed (the default)", async () => {
    const { url, calls } = await serve({ allowOrigins: [], maxAgeSeconds: 7200 });
    const refusal = await fetch(url, preflight("http://app.example"));
    expect(refusal.status).toBe(403);
    expect(await refusal.text()).toContain("origin http://app.example may not call this Prism proxy");
    expect(calls()).toBe(0);
  });

  it("passes same-origin and non-browser requests (no Origin) through untouched", async () => {
    const { url, calls } = await serve({ allowOrigins: ["*"], maxAgeSeconds: 7200 });
    const response = await fetch(url, { method: "POST", body: "{}" });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(calls()).toBe(1);
  });

  it('echoes any origin under "*"', async () => {
    const { url } = await serve({ allowOrigins: ["*"], maxAgeSeconds: 7200 });
    const response = await fetch(url, preflight("https://anything.example:8443"));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://anything.example:8443");
  });
});

describe("isOriginAllowed", () => {
  it("matches exactly, or anything under *", () => {
    expect(isOriginAllowed("http://a.example", ["http://a.example"])).toBe(true);
    expect(isOriginAllowed("http://a.example:8080", ["http://a.example"])).toBe(false);
    expect(isOriginAllowed("https://a.example", ["http://a.example"])).toBe(false);
    expect(isOriginAllowed(undefined, ["*"])).toBe(false);
    expect(isOriginAllowed("", ["*"])).toBe(false);
    expect(isOriginAllowed("http://b.example", ["*"])).toBe(true);
  });

  it("lists Connect's headers in lower case", () => {
    expect(corsAllowedHeaders).toContain("connect-protocol-version");
    expect(corsExposedHeaders).toContain("grpc-status-details-bin");
  });
});

describe("the cors config block", () => {
  it("defaults to no cross-origin access and a two-hour preflight cache", () => {
    expect(parseProxyConfig({}, undefined).cors).toEqual({ allowOrigins: [], maxAgeSeconds: 7200 });
  });

  it("accepts origins and *", () => {
    const cors = parseProxyConfig(
      { cors: { allowOrigins: ["http://app.example", "https://x.example:8443", "*"], maxAgeSeconds: 60 } },
      undefined,
    ).cors;
    expect(cors).toEqual({ allowOrigins: ["http://app.example", "https://x.example:8443", "*"], maxAgeSeconds: 60 });
  });

  it("names the bad field", () => {
    const cases: [unknown, string][] = [
      [{ allowOrigins: ["http://app.example/"] }, "cors.allowOrigins[0]"],
      [{ allowOrigins: ["ok.example", "x"] }, "cors.allowOrigins[0]"],
      [{ allowOrigins: "http://app.example" }, "cors.allowOrigins"],
      [{ maxAgeSeconds: -1 }, "cors.maxAgeSeconds"],
      [{ allowOrigin: [] }, "cors.allowOrigin"],
    ];
    for (const [cors, field] of cases) {
      const error = (() => {
        try {
          parseProxyConfig({ cors }, "/etc/prism/prism.yaml");
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
    }
  });
});
