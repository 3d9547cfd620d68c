// Admin API calls on the proxy server with authentication on (a stand-in token verifier): served by
// the proxy itself, never namespace-routed, on gRPC and Connect alike; UNAUTHENTICATED without a
// token, PERMISSION_DENIED for a caller who is not a proxy admin (even one who administers a
// namespace), and the admin's identity handed to the handler.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { AdminService } from "@prism/proto/admin/v1";
import { addService } from "@prism/wire";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminServiceHandlers } from "../admin/admin-handlers.js";
import { Authorizer } from "../auth/authorizer.js";
import { identityOf } from "../auth/principal.js";
import type { TokenVerifier } from "../auth/token-verifier.js";
import { overloadSchema } from "../config/overload-config.js";
import { createConnectFrontDoor } from "./connect-front-door.js";
import { NamespaceRouter } from "./namespace-router.js";
import { createProxyServer, type ProxyServer } from "./proxy-server.js";

const identities = { root: identityOf("root", ["admins"], []), owner: identityOf("owner", [], []) };
const verifier: TokenVerifier = {
  keySource: "test",
  async verify(token) {
    const identity = identities[token as keyof typeof identities];
    if (identity === undefined) throw new ConnectError("the token's signature does not verify", Code.Unauthenticated);
    return { identity, expiresAtMs: Date.now() + 60_000 };
  },
};

/** Handlers that answer with the caller's subject, so the test sees who reached them. */
const handlers: AdminServiceHandlers = {
  listNamespaces: async (_request, context) => ({ namespaces: [{ name: context.identity?.subject ?? "nobody", configJson: "{}" }] }),
  getNamespace: async () => ({}),
  createNamespace: async () => ({}),
  updateNamespace: async () => ({}),
  deleteNamespace: async () => ({}),
  getStatus: async () => ({ proxyVersion: "test" }),
};

let server: ProxyServer;
let url: string;

beforeAll(async () => {
  // "owner" administers namespace "orders", which is not the proxy-level admin permission.
  const access = new Map([["orders", { read: new Set<string>(), write: new Set<string>(), admin: new Set(["sub:owner"]) }]]);
  const authorizer = new Authorizer(verifier, access, new Set(["group:admins"]), 100);
  // No namespace at all: an admin call that were namespace-routed would be NOT_FOUND.
  const router = new NamespaceRouter();
  const frontDoor = createConnectFrontDoor(router, { readMaxBytes: () => 1024 * 1024, maxDeadlineMs: 60_000, authorizer, admin: handlers });
  server = createProxyServer(router, frontDoor, {
    overload: parseConfig(overloadSchema, {}),
    logger: createLogger({ write: () => {} }),
    authorizer,
    own: { methods: addService(AdminService, handlers), callOptions: {} },
  });
  await new Promise<void>((resolve) => server.tcp.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.tcp.address() as AddressInfo).port}`;
});
afterAll(() => server?.close(100));

const transports = {
  gRPC: () => createGrpcTransport({ baseUrl: url }),
  Connect: () => createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
};

describe.each(Object.entries(transports))("admin calls over %s with auth on", (_name, transport) => {
  const admin = () => createClient(AdminService, transport());
  const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it("serves a proxy admin, handing the handler their identity", async () => {
    const answer = await admin().listNamespaces({}, as("root"));
    expect(answer.namespaces.map((namespace) => namespace.name)).toEqual(["root"]);
    expect((await admin().getStatus({}, as("root"))).proxyVersion).toBe("test");
  });

  it("refuses a caller without a token (UNAUTHENTICATED) or with a bad one", async () => {
    for (const options of [{}, as("forged")]) {
      const error = await admin()
        .listNamespaces({}, options)
        .catch((caught: unknown) => ConnectError.from(caught));
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    }
  });

  it("refuses a namespace's admin who is not a proxy admin (PERMISSION_DENIED)", async () => {
    const error = await admin()
      .createNamespace({ name: "x", configJson: "{}" }, as("owner"))
      .catch((caught: unknown) => ConnectError.from(caught));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.PermissionDenied);
    expect((error as ConnectError).rawMessage).toBe("owner may not administer this proxy (it needs one of auth.admin)");
  });
});
