// AdminClient: the typed admin API of a proxy (prism.admin.v1.AdminService): namespaces listed,
// created, updated and deleted live, and the proxy's status. A namespace's config is the plain
// object prism.yaml has under `namespaces.<name>`, JSON-encoded on the wire. Needs the proxy-level
// admin permission (any caller on an open, loopback-only proxy).
import { type Client, type Transport, createClient } from "@connectrpc/connect";
import { AdminService, HealthStatus, Isolation, type Namespace } from "@prism/proto/admin/v1";
import { type CallDefaults, type CallOptions, toConnectCallOptions } from "./call-options.js";
import { InternalError, InvalidArgumentError } from "./errors/error-classes.js";
import { toPrismError } from "./errors/to-prism-error.js";

/** One API binding of a namespace, as in prism.yaml (`namespaces.<name>.keyvalue`); the proxy validates it. */
export type BindingDefinition = {
  /** A built-in pattern (memstore, redis, nats), a pattern package or a module path (relative to the proxy's config file). */
  backend?: string;
  /** argv of a custom pattern process (instead of `backend`). */
  command?: string[];
  /** Where the pattern runs (default "auto": inprocess for a backend, process for a command). */
  isolation?: "inprocess" | "process" | "auto";
  /** The pattern's own config block (plus `limits`), validated by the pattern. */
  config?: Record<string, unknown>;
  /** How long a pattern process may take to answer on its socket, in milliseconds. */
  startTimeoutMs?: number;
  /** How often the pattern's health is checked, in milliseconds. */
  healthIntervalMs?: number;
  /** How long stopping waits for in-flight calls, in milliseconds. */
  drainTimeoutMs?: number;
  /** How long a pattern process has between SIGTERM and SIGKILL, in milliseconds. */
  stopGraceMs?: number;
  /** First restart delay after a pattern process dies, in milliseconds. */
  restartInitialDelayMs?: number;
  /** Cap of the restart delay, in milliseconds. */
  restartMaxDelayMs?: number;
};

/** Who may read, write and administer a namespace ("sub:…", "group:…", "scope:…" or "any"). */
export type AccessRules = {
  /** Principals that may read. */
  read?: string[];
  /** Principals that may write (write implies read). */
  write?: string[];
  /** Principals that administer the namespace (admin implies read and write). */
  admin?: string[];
};

/** A namespace's config: exactly the mapping prism.yaml has under `namespaces.<name>`. */
export type NamespaceDefinition = {
  /** The KeyValue binding. */
  keyvalue?: BindingDefinition;
  /** The PubSub binding. */
  pubsub?: BindingDefinition;
  /** The Multicast Registry binding. */
  registry?: BindingDefinition;
  /** Access rules (used when the proxy authenticates). */
  access?: AccessRules;
};

/** A namespace as the proxy has it. */
export type NamespaceInfo = {
  /** The namespace name. */
  name: string;
  /** Its config, as given (in prism.yaml, the state file or the last create/update). */
  config: NamespaceDefinition;
};

/** Health of a pattern. */
export type HealthState = "HEALTHY" | "DEGRADED" | "UNHEALTHY";

/** The state of the pattern serving one API of a namespace. */
export type PatternStatus = {
  /** The API served ("keyvalue", "pubsub", "registry"). */
  api: string;
  /** Human description, e.g. "memstore (inprocess)". */
  pattern: string;
  /** Where it runs. */
  isolation: "inprocess" | "process";
  /** Its health. */
  status: HealthState;
  /** Why, when not healthy ("" otherwise). */
  message: string;
  /** Health facts (backend state, counters, pid). */
  details: Record<string, string>;
  /** Restarts of a process pattern since it was started. */
  restarts: number;
};

/** The state of one namespace's patterns. */
export type NamespaceStatus = {
  /** The namespace name. */
  name: string;
  /** One per API. */
  patterns: PatternStatus[];
};

/** The proxy's status. */
export type ProxyStatus = {
  /** The prism-proxy version. */
  proxyVersion: string;
  /** When the proxy started. */
  startedAt: Date;
  /** Where admin changes persist (undefined: the proxy runs without a config file, changes are live only). */
  stateFile: string | undefined;
  /** Every namespace, sorted by name. */
  namespaces: NamespaceStatus[];
};

/** The admin API; every method throws PrismError subclasses (NamespaceNotFoundError for an unknown namespace). */
export interface AdminClient {
  /** Every namespace the proxy serves, sorted by name. */
  listNamespaces(options?: CallOptions): Promise<NamespaceInfo[]>;
  /** One namespace; NamespaceNotFoundError when there is none of that name. */
  getNamespace(name: string, options?: CallOptions): Promise<NamespaceInfo>;
  /** Creates a namespace; resolves once its patterns serve. ALREADY_EXISTS for a taken name, InvalidArgumentError for a bad config. */
  createNamespace(name: string, config: NamespaceDefinition, options?: CallOptions): Promise<NamespaceInfo>;
  /** Replaces a namespace's config; resolves once calls go to the new patterns and the old ones have stopped. */
  updateNamespace(name: string, config: NamespaceDefinition, options?: CallOptions): Promise<NamespaceInfo>;
  /** Deletes a namespace; resolves once its patterns have drained and stopped. */
  deleteNamespace(name: string, options?: CallOptions): Promise<void>;
  /** The proxy's version, start time and every pattern's health. */
  getStatus(options?: CallOptions): Promise<ProxyStatus>;
}

/** Creates an AdminClient that sends every call over `transport` with the headers and deadline of `defaults`. */
export function createAdminClient(transport: Transport, defaults: CallDefaults): AdminClient {
  return new ConnectAdminClient(createClient(AdminService, transport), defaults);
}

const healthStates: Record<HealthStatus, HealthState> = {
  [HealthStatus.UNSPECIFIED]: "UNHEALTHY",
  [HealthStatus.HEALTHY]: "HEALTHY",
  [HealthStatus.DEGRADED]: "DEGRADED",
  [HealthStatus.UNHEALTHY]: "UNHEALTHY",
};

class ConnectAdminClient implements AdminClient {
  readonly #rpc: Client<typeof AdminService>;
  readonly #defaults: CallDefaults;

  constructor(rpc: Client<typeof AdminService>, defaults: CallDefaults) {
    this.#rpc = rpc;
    this.#defaults = defaults;
  }

  async listNamespaces(options?: CallOptions): Promise<NamespaceInfo[]> {
    try {
      return (await this.#rpc.listNamespaces({}, this.#call(options))).namespaces.map(fromWire);
    } catch (error) {
      throw toPrismError(error);
    }
  }

  async getNamespace(name: string, options?: CallOptions): Promise<NamespaceInfo> {
    try {
      return fromWire((await this.#rpc.getNamespace({ name }, this.#call(options))).namespace);
    } catch (error) {
      throw toPrismError(error, { namespace: name });
    }
  }

  async createNamespace(name: string, config: NamespaceDefinition, options?: CallOptions): Promise<NamespaceInfo> {
    const configJson = toJson(config);
    try {
      return fromWire((await this.#rpc.createNamespace({ name, configJson }, this.#call(options))).namespace);
    } catch (error) {
      throw toPrismError(error, { namespace: name });
    }
  }

  async updateNamespace(name: string, config: NamespaceDefinition, options?: CallOptions): Promise<NamespaceInfo> {
    const configJson = toJson(config);
    try {
      return fromWire((await this.#rpc.updateNamespace({ name, configJson }, this.#call(options))).namespace);
    } catch (error) {
      throw toPrismError(error, { namespace: name });
    }
  }

  async deleteNamespace(name: string, options?: CallOptions): Promise<void> {
    try {
      await this.#rpc.deleteNamespace({ name }, this.#call(options));
    } catch (error) {
      throw toPrismError(error, { namespace: name });
    }
  }

  async getStatus(options?: CallOptions): Promise<ProxyStatus> {
    try {
      const status = await this.#rpc.getStatus({}, this.#call(options));
      return {
        proxyVersion: status.proxyVersion,
        startedAt: new Date(Number(status.startedAtMs)),
        stateFile: status.stateFile === "" ? undefined : status.stateFile,
        namespaces: status.namespaces.map((namespace) => ({
          name: namespace.name,
          patterns: namespace.patterns.map((pattern) => ({
            api: pattern.api,
            pattern: pattern.pattern,
            isolation: pattern.isolation === Isolation.PROCESS ? "process" : "inprocess",
            status: healthStates[pattern.status] ?? "UNHEALTHY",
            message: pattern.message,
            details: { ...pattern.details },
            restarts: pattern.restarts,
          })),
        })),
      };
    } catch (error) {
      throw toPrismError(error);
    }
  }

  #call(options: CallOptions | undefined) {
    return toConnectCallOptions(this.#defaults, options);
  }
}

/** The config as JSON; InvalidArgumentError (before sending) when it is not a plain object or not serializable. */
function toJson(config: NamespaceDefinition): string {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new InvalidArgumentError('a namespace config is an object such as { keyvalue: { backend: "memstore" } }');
  }
  try {
    return JSON.stringify(config);
  } catch (error) {
    throw new InvalidArgumentError(`the namespace config cannot be sent as JSON: ${(error as Error).message}`);
  }
}

/** A namespace from the wire; InternalError when the proxy answered without one or with bad JSON. */
function fromWire(namespace: Namespace | undefined): NamespaceInfo {
  if (namespace === undefined) throw new InternalError("the proxy answered without the namespace");
  try {
    return { name: namespace.name, config: JSON.parse(namespace.configJson) as NamespaceDefinition };
  } catch (error) {
    throw new InternalError(`the proxy sent a namespace config that is not JSON: ${(error as Error).message}`);
  }
}
