// Unit tests of AdminClient against an in-memory AdminService: configs JSON-encoded both ways,
// status converted (start time as a Date, enums as names, no state file as undefined), errors
// mapped like the rest of the client, and bad input refused before sending.
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { AdminService, HealthStatus, Isolation } from "@prism/proto/admin/v1";
import { describe, expect, it } from "vitest";
import { createAdminClient } from "./admin-client.js";
import { InternalError, InvalidArgumentError, NamespaceNotFoundError, PrismError } from "./index.js";

/** An AdminService keeping namespaces in a map, recording the config_json it received. */
function fakeAdmin() {
  const namespaces = new Map<string, string>([["default", '{"keyvalue":{"backend":"memstore"}}']]);
  const received: string[] = [];
  const notFound = (name: string) =>
    new ConnectError(`namespace "${name}" is not configured on this proxy`, Code.NotFound, { "prism-error-reason": "namespace-not-found" });
  const transport = createRouterTransport((router) =>
    router.service(AdminService, {
      listNamespaces: () => ({ namespaces: [...namespaces].map(([name, configJson]) => ({ name, configJson })) }),
      getNamespace: ({ name }) => {
        const configJson = namespaces.get(name);
        if (configJson === undefined) throw notFound(name);
        return { namespace: { name, configJson: name === "garbled" ? "{" : configJson } };
      },
      createNamespace: ({ name, configJson }) => {
        received.push(configJson);
        if (namespaces.has(name)) throw new ConnectError(`namespace "${name}" already exists`, Code.AlreadyExists);
        namespaces.set(name, configJson);
        return { namespace: { name, configJson } };
      },
      updateNamespace: ({ name, configJson }) => {
        if (!namespaces.has(name)) throw notFound(name);
        namespaces.set(name, configJson);
        return {};
      },
      deleteNamespace: ({ name }) => {
        if (!namespaces.delete(name)) throw notFound(name);
        return {};
      },
      getStatus: () => ({
        proxyVersion: "1.2.3",
        startedAtMs: 1_700_000_000_000n,
        stateFile: "",
        namespaces: [
          {
            name: "default",
            patterns: [
              {
                api: "keyvalue",
                pattern: "memstore (process)",
                isolation: Isolation.PROCESS,
                status: HealthStatus.DEGRADED,
                message: "slow",
                details: { pid: "42" },
                restarts: 2,
              },
            ],
          },
        ],
      }),
    }),
  );
  return { admin: createAdminClient(transport, { namespace: "default" }), namespaces, received };
}

describe("AdminClient", () => {
  it("sends the config as JSON and gives it back as an object", async () => {
    const { admin, received } = fakeAdmin();
    const config = { keyvalue: { backend: "redis", config: { url: "redis://x" } }, access: { read: ["any"] } };
    expect(await admin.createNamespace("orders", config)).toEqual({ name: "orders", config });
    expect(JSON.parse(received[0] as string)).toEqual(config);
    expect(await admin.getNamespace("orders")).toEqual({ name: "orders", config });
    expect((await admin.listNamespaces()).map((namespace) => namespace.name)).toEqual(["default", "orders"]);
    await admin.deleteNamespace("orders");
    expect((await admin.listNamespaces()).map((namespace) => namespace.name)).toEqual(["default"]);
  });

  it("converts the status: a Date, names for enums, undefined for no state file", async () => {
    expect(await fakeAdmin().admin.getStatus()).toEqual({
      proxyVersion: "1.2.3",
      startedAt: new Date(1_700_000_000_000),
      stateFile: undefined,
      namespaces: [
        {
          name: "default",
          patterns: [
            {
              api: "keyvalue",
              pattern: "memstore (process)",
              isolation: "process",
              status: "DEGRADED",
              message: "slow",
              details: { pid: "42" },
              restarts: 2,
            },
          ],
        },
      ],
    });
  });

  it("maps errors like the rest of the client", async () => {
    const { admin } = fakeAdmin();
    const missing = await admin.getNamespace("nope").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NamespaceNotFoundError);
    expect((missing as NamespaceNotFoundError).namespace).toBe("nope");
    await expect(admin.deleteNamespace("nope")).rejects.toBeInstanceOf(NamespaceNotFoundError);
    const exists = await admin.createNamespace("default", {}).catch((error: unknown) => error);
    expect(exists).toBeInstanceOf(PrismError);
    expect(exists).toMatchObject({ code: Code.AlreadyExists, codeName: "ALREADY_EXISTS" });
  });

  it("refuses an answer without a namespace or with a config that is not JSON (InternalError)", async () => {
    const { admin, namespaces } = fakeAdmin();
    await expect(admin.updateNamespace("default", {})).rejects.toThrow(new InternalError("the proxy answered without the namespace"));
    namespaces.set("garbled", "{}");
    await expect(admin.getNamespace("garbled")).rejects.toBeInstanceOf(InternalError);
  });

  it("refuses a config that is not an object, or not JSON, before sending", async () => {
    const { admin, received } = fakeAdmin();
    await expect(admin.createNamespace("x", [] as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(admin.createNamespace("x", cyclic)).rejects.toThrow(/cannot be sent as JSON/);
    expect(received).toEqual([]);
  });
});
