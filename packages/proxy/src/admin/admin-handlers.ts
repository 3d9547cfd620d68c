// prism.admin.v1.AdminService over the NamespaceManager: namespaces cross the wire as their
// prism.yaml mapping in JSON (`config_json`). The same handlers serve gRPC (in-process on the hot
// path's port) and Connect / gRPC-Web; the caller was checked for the proxy-level admin
// permission before a handler runs.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@prism/pattern-sdk";
import { type AdminService, HealthStatus, Isolation, type NamespaceSchema } from "@prism/proto/admin/v1";
import { inTraceContext } from "@prism/pattern-sdk/tracing";
import type { CallContext, ServiceHandlers } from "@prism/wire";
import type { NamespaceConfig } from "../config/proxy-config.js";
import type { NamespaceManager } from "./namespace-manager.js";

/** What GetStatus tells about the proxy itself. */
export interface ProxyFacts {
  /** The prism-proxy version. */
  version: string;
  /** When it started, Unix milliseconds. */
  startedAtMs: number;
}

/** The AdminService type, for callers that register it. */
export type AdminServiceHandlers = ServiceHandlers<typeof AdminService>;

const healthStatus = { HEALTHY: HealthStatus.HEALTHY, DEGRADED: HealthStatus.DEGRADED, UNHEALTHY: HealthStatus.UNHEALTHY } as const;
const isolation = { inprocess: Isolation.INPROCESS, process: Isolation.PROCESS } as const;

/** Where the admin API's changes go: the manager itself, or a shared source that every proxy follows. */
export type NamespaceWrites = Pick<NamespaceManager, "create" | "update" | "delete">;

/**
 * The AdminService handlers of one proxy; changes go to `writes` (default: this proxy's manager).
 * Each runs in its call's trace context, so the changes it logs carry the trace id.
 */
export function createAdminHandlers(manager: NamespaceManager, facts: ProxyFacts, writes: NamespaceWrites = manager): AdminServiceHandlers {
  const handlers: AdminServiceHandlers = {
    listNamespaces: async () => ({ namespaces: manager.list().map(toWire) }),
    getNamespace: async (request) => ({ namespace: toWire(manager.get(request.name)) }),
    createNamespace: async (request, context) => ({
      namespace: toWire(await writes.create(request.name, parseConfigJson(request.configJson), changeContext(context))),
    }),
    updateNamespace: async (request, context) => ({
      namespace: toWire(await writes.update(request.name, parseConfigJson(request.configJson), changeContext(context))),
    }),
    deleteNamespace: async (request, context) => {
      await writes.delete(request.name, changeContext(context));
      return {};
    },
    getStatus: async () => ({
      proxyVersion: facts.version,
      startedAtMs: BigInt(facts.startedAtMs),
      stateFile: manager.stateFile ?? "",
      namespaces: (await manager.status()).map((namespace) => ({
        name: namespace.name,
        patterns: namespace.patterns.map((pattern) => ({
          api: pattern.api,
          pattern: pattern.pattern,
          isolation: isolation[pattern.isolation],
          status: healthStatus[pattern.health.status],
          message: pattern.health.message ?? "",
          details: Object.fromEntries(Object.entries(pattern.health.details ?? {}).map(([key, value]) => [key, String(value)])),
          restarts: pattern.restarts,
        })),
      })),
    }),
  };
  const traced: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (request: unknown, context: CallContext) => unknown][]) {
    traced[name] = (request: unknown, context: CallContext) => inTraceContext(context.traceparent, () => handler(request, context));
  }
  return traced as AdminServiceHandlers;
}

/** A namespace as the wire carries it. */
function toWire(config: NamespaceConfig): MessageInitShape<typeof NamespaceSchema> {
  return { name: config.name, configJson: JSON.stringify(config.source) };
}

/** The mapping in `config_json`; INVALID_ARGUMENT when it is not JSON. */
function parseConfigJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConnectError(`config_json is not valid JSON: ${(error as Error).message}`, Code.InvalidArgument);
  }
}

function changeContext(context: CallContext): { by: string | undefined } {
  return { by: context.identity?.subject };
}
