// Resolves (namespace header, request path) to the pattern runtime serving it. O(1) per call:
// two map lookups, no allocation on success.
import { Code, ConnectError } from "@connectrpc/connect";
import type { ApiName } from "../config/api-names.js";
import { apiByServiceName } from "../config/api-names.js";
import { namespaceNamePattern, namespaceNameRule } from "../config/namespace-name.js";
import type { PatternRuntime } from "../patterns/pattern-runtime.js";

/** Header naming the namespace of a request; absent means `default`. */
export const namespaceHeader = "prism-namespace";

/** Metadata key telling clients which NOT_FOUND this is. */
export const errorReasonHeader = "prism-error-reason";

/** The result of routing: a runtime, or the status to answer with. */
export type RouteResult =
  | { ok: true; runtime: PatternRuntime; namespace: string }
  | { ok: false; code: Code; message: string; metadata?: Record<string, string> };

/** The answer to a call without the header when the proxy requires it. */
const missingNamespace: RouteResult = {
  ok: false,
  code: Code.InvalidArgument,
  message: `this proxy requires a ${namespaceHeader} header naming the namespace`,
};

/** The answer to a header that is not a namespace name (several values, bad characters, too long). */
function invalidNamespace(value: string | string[]): RouteResult {
  const what = typeof value === "string" ? `of ${value.length} characters` : `with ${value.length} values`;
  return {
    ok: false,
    code: Code.InvalidArgument,
    message: `invalid ${namespaceHeader} header (one ${what}): a namespace name is ${namespaceNameRule}`,
  };
}

/** A successful route, built once per (namespace, API) and returned as is. */
type Route = { ok: true; runtime: PatternRuntime; namespace: string };

/**
 * Namespace → API → runtime. A namespace's routes are replaced or removed as a whole, by one map
 * write: a call routes either entirely by the old routes or entirely by the new ones.
 */
export class NamespaceRouter {
  private readonly namespaces = new Map<string, ReadonlyMap<ApiName, Route>>();
  private readonly serviceByPath = new Map<string, ApiName>();

  constructor(
    /** The namespace of a call without the header; "" = the header is required. */
    readonly absentNamespace = "default",
  ) {}

  /** Registers the runtime serving `api` of `namespace` (keeping its other APIs). */
  add(namespace: string, api: ApiName, runtime: PatternRuntime): void {
    const apis = new Map<ApiName, PatternRuntime>();
    for (const [other, route] of this.namespaces.get(namespace) ?? []) apis.set(other, route.runtime);
    apis.set(api, runtime);
    this.set(namespace, apis);
  }

  /** Routes `namespace` to exactly `runtimes` from now on (creates it, or replaces all its routes at once). */
  set(namespace: string, runtimes: ReadonlyMap<ApiName, PatternRuntime>): void {
    const apis = new Map<ApiName, Route>();
    for (const [api, runtime] of runtimes) apis.set(api, { ok: true, runtime, namespace });
    this.namespaces.set(namespace, apis);
  }

  /** Stops routing `namespace` (its calls are NOT_FOUND from now on); false when it was not routed. */
  remove(namespace: string): boolean {
    return this.namespaces.delete(namespace);
  }

  /** Whether `namespace` is routed. */
  has(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  /** Every registered runtime with its namespace and API. */
  *entries(): Iterable<{ namespace: string; api: ApiName; runtime: PatternRuntime }> {
    for (const [namespace, apis] of this.namespaces) {
      for (const [api, route] of apis) yield { namespace, api, runtime: route.runtime };
    }
  }

  /**
   * Finds the runtime for a request. An absent header means `absentNamespace` (`default` unless
   * configured; "" = the header is required); a header that is not a valid namespace name never
   * routes anywhere: INVALID_ARGUMENT, without echoing it.
   */
  route(namespace: string | string[] | undefined, path: string): RouteResult {
    let name: string;
    if (namespace === undefined) {
      if (this.absentNamespace === "") return missingNamespace;
      name = this.absentNamespace;
    } else if (typeof namespace === "string" && namespaceNamePattern.test(namespace)) {
      name = namespace;
    } else {
      return invalidNamespace(namespace);
    }
    const apis = this.namespaces.get(name);
    if (!apis) {
      return {
        ok: false,
        code: Code.NotFound,
        message: `namespace ${JSON.stringify(name)} is not configured on this proxy`,
        metadata: { [errorReasonHeader]: "namespace-not-found" },
      };
    }
    const api = this.apiOf(path);
    const route = api && apis.get(api);
    if (!route) {
      return {
        ok: false,
        code: Code.Unimplemented,
        message: api
          ? `namespace ${JSON.stringify(name)} has no ${api} pattern configured`
          : `unknown method ${JSON.stringify(path.slice(0, 200))}`,
      };
    }
    return route;
  }

  /** Like route, but throws the ConnectError (for the Connect front door). */
  routeOrThrow(namespace: string | string[] | undefined, path: string): { runtime: PatternRuntime; namespace: string } {
    const result = this.route(namespace, path);
    if (result.ok) return result;
    throw new ConnectError(result.message, result.code, result.metadata);
  }

  private apiOf(path: string): ApiName | undefined {
    let api = this.serviceByPath.get(path);
    if (api === undefined) {
      const slash = path.lastIndexOf("/");
      api = slash > 0 ? apiByServiceName.get(path.slice(1, slash)) : undefined;
      if (api !== undefined && this.serviceByPath.size < 1000) this.serviceByPath.set(path, api);
    }
    return api;
  }
}
