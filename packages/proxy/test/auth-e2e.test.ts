// End to end: the real proxy executable authenticating callers with tokens from a real OpenID
// provider (@prism/test-idp on oidc-provider): every rejection of §1 of the auth issue with its
// reason and never the token, JWKS key rotation mid-run, a flood of unknown key ids that does not
// hammer the issuer, the read/write authorization matrix of every RPC over gRPC and Connect, a
// token for one namespace that never touches another, and the verified identity reaching the
// pattern (in-process and as a process), and the admin API for proxy admins only.
import { createPrismClient, type PrismClient, type PrismError } from "@prism/client";
import { Code } from "@connectrpc/connect";
import { startTestIdp, type TestIdp } from "@prism/test-idp";
import { createHash, generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ProxyProcess, startProxyProcess } from "../src/testing/index.js";

/** A pattern module that answers every Get with who is calling, as the pattern sees it. */
const whoamiPattern = `
export const whoamiPattern = {
  name: "whoami", version: "1.0.0", config: {},
  create: () => ({ keyvalue: {
    get: (key, context) => new TextEncoder().encode(JSON.stringify(context?.identity ?? null)),
    set: () => {}, delete: () => false, exists: () => false,
    scan: () => ({ items: [], nextCursor: "" }),
  } }),
};
`;

let idp: TestIdp;
let proxy: ProxyProcess;

beforeAll(async () => {
  idp = await startTestIdp({
    audience: "prism",
    machines: { "ops-bot": ["ops"], "reader-bot": ["readers"], outsider: [], "admin-bot": ["prism-admins"], "billing-bot": ["billing"] },
    accessTokenTtlSeconds: 3,
  });
  proxy = await startProxyProcess({
    files: { "whoami.mjs": whoamiPattern },
    config: {
      auth: {
        issuer: idp.issuer,
        audience: [idp.audience],
        clockToleranceSec: 0,
        jwksRefetchCooldownMs: 1000,
        admin: ["group:prism-admins"],
      },
      namespaces: {
        orders: {
          keyvalue: { backend: "memstore" },
          pubsub: { backend: "memstore" },
          registry: { backend: "memstore" },
          access: { read: ["group:readers"], write: ["group:ops"] },
        },
        billing: {
          keyvalue: { backend: "memstore", isolation: "process" },
          registry: { backend: "memstore", isolation: "process" },
          access: { write: ["group:billing"] },
        },
        who: { keyvalue: { backend: "./whoami.mjs" }, access: { read: ["any"] } },
        whoproc: { keyvalue: { backend: "./whoami.mjs", isolation: "process" }, access: { read: ["any"] } },
      },
    },
  });
});
afterAll(async () => {
  await proxy?.stop();
  await idp?.close();
});

/** A client of `namespace` sending `authorization` (undefined: none). */
function client(namespace: string, authorization: string | undefined, protocol: "grpc" | "connect" = "grpc"): PrismClient {
  return createPrismClient({
    url: proxy.url,
    namespace,
    protocol,
    ...(protocol === "connect" ? { httpVersion: "1.1" as const } : {}),
    ...(authorization === undefined ? {} : { headers: { authorization } }),
  });
}

/** The error a call ends with (or "ok"). */
async function outcome(call: Promise<unknown>): Promise<{ code: Code | "ok"; message: string }> {
  try {
    await call;
    return { code: "ok", message: "" };
  } catch (error) {
    return { code: (error as PrismError).code, message: (error as Error).message };
  }
}

/** A token signed with `key` as `alg` and `kid`, claims like the IdP's: what an attacker can make. */
async function forged(alg: string, key: Parameters<SignJWT["sign"]>[0], kid: string): Promise<string> {
  return new SignJWT({ scope: "prism.read", groups: ["ops", "readers"] })
    .setProtectedHeader({ alg, kid, typ: "at+jwt" })
    .setIssuer(idp.issuer)
    .setAudience(idp.audience)
    .setSubject("mallory")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}

describe("authentication: every rejection is UNAUTHENTICATED with a reason, never the token", () => {
  it.each(["grpc", "connect"] as const)("over %s", async (protocol) => {
    const valid = await idp.token("ops-bot");
    const [header, payload] = valid.split(".");
    const publicJwk = (await (await fetch(idp.jwksUri)).json()) as { keys: { kid: string }[] };
    const hsSecret = createHash("sha256").update(JSON.stringify(publicJwk.keys[0])).digest(); // the public key as an HMAC secret
    const cases: [string, string | undefined, RegExp][] = [
      ["missing token", undefined, /requires Authorization: Bearer/],
      ["malformed token", "Bearer not.a.jwt", /malformed/],
      ["bad signature", `Bearer ${header}.${payload}.${"A".repeat(86)}`, /signature does not verify/],
      [
        "alg none",
        `Bearer ${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString("base64url")}.${payload}.`,
        /algorithm this proxy does not accept|malformed/,
      ],
      [
        "HS256 with the public key (algorithm confusion)",
        `Bearer ${await forged("HS256", hsSecret, publicJwk.keys[0]?.kid ?? "k")}`,
        /algorithm this proxy does not accept/,
      ],
      [
        "unknown kid",
        `Bearer ${await forged("ES256", generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "ghost")}`,
        /unknown kid/,
      ],
    ];
    for (const [name, authorization, reason] of cases) {
      const result = await outcome(client("orders", authorization, protocol).kv.get("k"));
      expect(result.code, name).toBe(Code.Unauthenticated);
      expect(result.message, name).toMatch(reason);
      if (authorization) expect(result.message, name).not.toContain(authorization.slice(7, 60));
    }
  });

  it("refuses an expired token, saying so", async () => {
    const token = await idp.token("ops-bot");
    expect((await outcome(client("orders", `Bearer ${token}`).kv.set("k", "v"))).code).toBe("ok");
    await vi.waitFor(
      async () => {
        const result = await outcome(client("orders", `Bearer ${token}`).kv.set("k", "v"));
        expect(result.code).toBe(Code.Unauthenticated);
        expect(result.message).toMatch(/expired/);
      },
      { timeout: 10_000, interval: 200 },
    );
  });

  it("refuses a token for another audience or from another issuer", async () => {
    const other = await startTestIdp({ audience: "prism" });
    const strict = await startProxyProcess({
      config: {
        auth: { issuer: idp.issuer, audience: ["billing-api"] },
        namespaces: { a: { keyvalue: { backend: "memstore" }, access: { read: ["any"] } } },
      },
    });
    try {
      const wrongAudience = await outcome(
        createPrismClient({ url: strict.url, namespace: "a", headers: { authorization: `Bearer ${await idp.token()}` } }).kv.exists("k"),
      );
      expect(wrongAudience).toEqual({ code: Code.Unauthenticated, message: expect.stringMatching(/not for this audience/) });
      const wrongIssuer = await outcome(client("orders", `Bearer ${await other.token()}`).kv.exists("k"));
      expect(wrongIssuer.code).toBe(Code.Unauthenticated);
      expect(wrongIssuer.message).toMatch(/another issuer|unknown kid|signature/);
    } finally {
      await strict.stop();
      await other.close();
    }
  });

  it("follows a key rotation without a restart, and a flood of unknown kids does not hammer the issuer", async () => {
    const before = idp.jwksFetches;
    const ghostKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const flood = await Promise.all(
      Array.from({ length: 30 }, async (_, i) =>
        outcome(client("orders", `Bearer ${await forged("ES256", ghostKey, `ghost-${i}`)}`).kv.get("k")),
      ),
    );
    expect(flood.every((result) => result.code === Code.Unauthenticated)).toBe(true);
    expect(idp.jwksFetches - before).toBeLessThanOrEqual(2);

    const kid = await idp.rotateSigningKey();
    expect(idp.publishedKids()).toContain(kid);
    await vi.waitFor(
      async () =>
        expect((await outcome(client("orders", `Bearer ${await idp.token("ops-bot")}`).kv.set("rotated", "yes"))).code).toBe("ok"),
      { timeout: 10_000, interval: 250 },
    );
  });
});

/** Every RPC with the permission it needs, and how to call it. */
const rpcs: [string, "read" | "write", (c: PrismClient) => Promise<unknown>][] = [
  ["Get", "read", (c) => c.kv.get("k").catch((error: PrismError) => (error.code === Code.NotFound ? undefined : Promise.reject(error)))],
  ["Exists", "read", (c) => c.kv.exists("k")],
  [
    "Scan",
    "read",
    async (c) => {
      for await (const _ of c.kv.scan("k")) {
        // pages
      }
    },
  ],
  ["BatchGet", "read", (c) => c.kv.getMany(["k"])],
  [
    "Subscribe",
    "read",
    async (c) => {
      const subscription = c.pubsub.subscribe("t");
      try {
        await subscription.ready;
      } finally {
        subscription.close();
      }
    },
  ],
  ["Set", "write", (c) => c.kv.set("k", "v")],
  ["Delete", "write", (c) => c.kv.delete("k")],
  ["BatchSet", "write", (c) => c.kv.setMany([{ key: "k", value: "v" }])],
  ["BatchDelete", "write", (c) => c.kv.deleteMany(["k"])],
  ["Publish", "write", (c) => c.pubsub.publish("t", "x")],
  [
    "Registry.Get",
    "read",
    (c) => c.registry.get("r").catch((error: PrismError) => (error.code === Code.NotFound ? undefined : Promise.reject(error))),
  ],
  [
    "Enumerate",
    "read",
    async (c) => {
      for await (const _ of c.registry.enumerate()) {
        // pages
      }
    },
  ],
  ["Register", "write", (c) => c.registry.register("r", { kind: "test" }, { replace: true, keepAlive: false })],
  ["Heartbeat", "write", (c) => c.registry.heartbeat("r")],
  ["Unregister", "write", (c) => c.registry.unregister("gone")],
  ["Multicast", "write", (c) => c.registry.multicast(undefined, "x")],
  [
    "Listen",
    "write",
    async (c) => {
      const listener = c.registry.listen("r");
      try {
        await listener.ready;
      } finally {
        listener.close();
      }
    },
  ],
];

describe("authorization: the read/write matrix of every RPC", () => {
  it.each(["grpc", "connect"] as const)(
    "over %s: readers read, writers write, others are PERMISSION_DENIED naming namespace and permission",
    async (protocol) => {
      const tokens = { reader: await idp.token("reader-bot"), writer: await idp.token("ops-bot"), outsider: await idp.token("outsider") };
      for (const [rpc, permission, call] of rpcs) {
        const reader = await outcome(call(client("orders", `Bearer ${tokens.reader}`, protocol)));
        const writer = await outcome(call(client("orders", `Bearer ${tokens.writer}`, protocol)));
        const outsider = await outcome(call(client("orders", `Bearer ${tokens.outsider}`, protocol)));
        expect(writer.code, `${rpc} by a writer`).toBe("ok");
        expect(reader.code, `${rpc} by a reader`).toBe(permission === "read" ? "ok" : Code.PermissionDenied);
        if (permission === "write") expect(reader.message).toContain(`reader-bot may not write namespace "orders"`);
        expect(outsider.code, `${rpc} by an outsider`).toBe(Code.PermissionDenied);
        expect(outsider.message).toContain(`outsider may not ${permission} namespace "orders"`);
      }
    },
  );

  it("a token for one namespace never touches another, on every RPC", async () => {
    const billing = await idp.token("billing-bot");
    const ops = await idp.token("ops-bot");
    expect((await outcome(client("billing", `Bearer ${billing}`).kv.set("invoice", "1"))).code).toBe("ok");
    for (const [rpc, , call] of rpcs.filter(([name]) => !["Subscribe", "Publish"].includes(name))) {
      expect((await outcome(call(client("billing", `Bearer ${ops}`)))).code, `${rpc} by ops on billing`).toBe(Code.PermissionDenied);
      expect((await outcome(call(client("orders", `Bearer ${billing}`)))).code, `${rpc} by billing on orders`).toBe(Code.PermissionDenied);
    }
  });

  it("proxy admins may do anything on any namespace", async () => {
    const admin = await idp.token("admin-bot");
    for (const namespace of ["orders", "billing"]) {
      expect((await outcome(client(namespace, `Bearer ${admin}`).kv.set("by-admin", "1"))).code).toBe("ok");
    }
  });
});

describe("the admin API", () => {
  it.each(["grpc", "connect"] as const)(
    "over %s: no token is UNAUTHENTICATED, a namespace writer is PERMISSION_DENIED, a proxy admin changes namespaces live",
    async (protocol) => {
      const anonymous = await outcome(client("orders", undefined, protocol).admin.listNamespaces());
      expect(anonymous.code).toBe(Code.Unauthenticated);
      const writer = await outcome(client("orders", `Bearer ${await idp.token("ops-bot")}`, protocol).admin.listNamespaces());
      expect(writer.code).toBe(Code.PermissionDenied);
      expect(writer.message).toContain("ops-bot may not admin");
      const admin = client("orders", `Bearer ${await idp.token("admin-bot")}`, protocol).admin;
      const name = `live-${protocol}`;
      await admin.createNamespace(name, { keyvalue: { backend: "memstore" }, access: { write: ["group:ops"] } });
      expect((await admin.listNamespaces()).map((each) => each.name)).toContain(name);
      const ops = client(name, `Bearer ${await idp.token("ops-bot")}`, protocol);
      await ops.kv.set("k", "v");
      expect(await ops.kv.getString("k")).toBe("v");
      expect((await outcome(client(name, `Bearer ${await idp.token("reader-bot")}`, protocol).kv.get("k"))).code).toBe(
        Code.PermissionDenied,
      );
      await admin.deleteNamespace(name);
      expect((await outcome(ops.kv.get("k"))).code).toBe(Code.NotFound);
      const changes = proxy.logs.filter((record) => record.namespace === name && String(record.msg).startsWith("admin:"));
      expect(changes.map((record) => record.by)).toEqual(["admin-bot", "admin-bot"]);
    },
  );
});

describe("the verified identity reaches the pattern", () => {
  it.each(["who", "whoproc"])(
    "in namespace %s (in-process and as a process), as subject, groups and scopes; never the token",
    async (namespace) => {
      const token = await idp.token("ops-bot", "prism.read");
      const seen = JSON.parse(await client(namespace, `Bearer ${token}`).kv.getString("anything")) as Record<string, unknown>;
      expect(seen).toEqual({ subject: "ops-bot", groups: ["ops"], scopes: ["prism.read"] });
      expect(JSON.stringify(seen)).not.toContain(token.slice(0, 20));
    },
  );

  it("a prism-identity header sent by a client is never believed", async () => {
    const forgedIdentity = Buffer.from(JSON.stringify({ sub: "root", groups: ["prism-admins"], scopes: [] })).toString("base64url");
    const c = createPrismClient({
      url: proxy.url,
      namespace: "whoproc",
      headers: { authorization: `Bearer ${await idp.token("outsider")}`, "prism-identity": forgedIdentity },
    });
    expect(JSON.parse(await c.kv.getString("x"))).toEqual({ subject: "outsider", groups: [], scopes: expect.any(Array) });
  });
});

describe("@prism/client with a token provider against the real proxy", () => {
  it("sends the provider's token, and on UNAUTHENTICATED asks it again once and retries", async () => {
    const stale = await forged("ES256", generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "stale");
    const requests: boolean[] = [];
    const provider = async (request?: { refresh?: boolean }) => {
      requests.push(request?.refresh === true);
      return request?.refresh ? idp.token("ops-bot") : stale;
    };
    const c = createPrismClient({ url: proxy.url, namespace: "orders", token: provider });
    await c.kv.set("via-provider", "ok");
    expect(
      await createPrismClient({ url: proxy.url, namespace: "orders", token: await idp.token("reader-bot") }).kv.getString("via-provider"),
    ).toBe("ok");
    expect(requests).toEqual([false, true]);
  });
});

describe("logs", () => {
  it("never contain a token", async () => {
    const token = await idp.token("ops-bot");
    await outcome(client("orders", `Bearer ${token}`).kv.get("k"));
    await outcome(client("orders", `Bearer ${token}x`).kv.get("k"));
    const text = proxy.logs.map((record) => JSON.stringify(record)).join("\n");
    expect(text).not.toContain(token.slice(0, 30));
    expect(proxy.logs.some((record) => String(record.msg).startsWith("callers must send a bearer token from"))).toBe(true);
  });
});
