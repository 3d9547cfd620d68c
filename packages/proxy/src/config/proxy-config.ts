// prism.yaml: the proxy's configuration schema, its defaults, and loading with errors that name
// the file and the field. No file at all = one `default` namespace on in-process memstore.
import { ConfigError, field, type ConfigOf } from "@prism/pattern-sdk";
import { parseConfig } from "@prism/pattern-sdk/host";
import { loadConfigFile } from "@prism/pattern-sdk/host";
import { basename, dirname, extname, resolve } from "node:path";
import { builtinPatternPackages, type PatternModule, resolvePatternModule } from "../patterns/pattern-module.js";
import { type AuthConfig, authSchema } from "../auth/auth-config.js";
import { principalPattern, principalRule } from "../auth/principal.js";
import { type ApiName, apiNames } from "./api-names.js";
import { namespaceNamePattern, namespaceNameRule } from "./namespace-name.js";
import { type OverloadConfig, overloadSchema } from "./overload-config.js";
import { configSourceSchema, type NatsConfigSource } from "./config-source-schema.js";

/** Default listen address. */
export const defaultListen = "127.0.0.1:8980";

/** Schema of one API binding: `namespaces.<name>.<api>`. */
export const bindingSchema = {
  backend: field.string(
    'the pattern: a built-in (memstore, redis, nats), an installed pattern package ("@acme/prism-pattern-x") or a module path relative to this file; omit when `command` is given',
    { default: "" },
  ),
  command: field.stringList(
    "argv of a custom pattern process built on @prism/pattern-sdk; runs in this file's folder, so relative paths are relative to it",
    {
      default: [],
    },
  ),
  isolation: field.string<"inprocess" | "process" | "auto">(
    "inprocess: loaded into the proxy, no hop; process: a supervised child " +
      "over a unix socket; auto: inprocess for a backend, process for a command",
    { values: ["inprocess", "process", "auto"], default: "auto" },
  ),
  config: field.raw("the pattern's own config block (plus `limits`), validated by the pattern", { default: {} }),
  processHop: field.string<"framed" | "http2">(
    "how unary calls reach a process pattern: framed (a lean framing on its unix socket, when its SDK serves one) or http2 (gRPC, " +
      "as streams always go)",
    { values: ["framed", "http2"], default: "framed" },
  ),
  startTimeoutMs: field.integer("how long a pattern process may take to answer on its socket", { default: 30_000, min: 100 }),
  healthIntervalMs: field.integer("how often the pattern's health is checked", { default: 5_000, min: 100 }),
  drainTimeoutMs: field.integer("how long shutdown waits for in-flight calls", { default: 5_000, min: 0 }),
  stopGraceMs: field.integer("how long a pattern process has between SIGTERM and SIGKILL", { default: 5_000, min: 0 }),
  restartInitialDelayMs: field.integer("first restart delay after a pattern process dies", { default: 200, min: 1 }),
  restartMaxDelayMs: field.integer("cap of the (jittered, doubling) restart delay", { default: 10_000, min: 1 }),
} as const;

/** Schema of `cors`: which browser origins may call the Connect / gRPC-Web front door. */
export const corsSchema = {
  allowOrigins: field.stringList('origins (scheme://host[:port]) browsers may call from; [] = no cross-origin access; "*" = any origin', {
    default: [],
  }),
  maxAgeSeconds: field.integer("how long a browser may cache a preflight answer", { default: 7200, min: 0 }),
} as const;

/** Schema of `health`: what GET /healthz tells. */
export const healthSchema = {
  details: field.boolean(
    "answer GET /healthz with every namespace's pattern health (addresses, pids, counts); false = only the proxy's own status",
    { default: false },
  ),
} as const;

/** Schema of `metrics`: Prometheus metrics. */
export const metricsSchema = {
  enabled: field.boolean("record and serve Prometheus metrics; false = nothing is recorded and the path is not served", {
    default: true,
  }),
  path: field.string("HTTP path the Prometheus text is served at (GET, HTTP/1.1 or HTTP/2)", {
    default: "/metrics",
    pattern: /^\/[^\s?#]*$/,
    patternHint: "a path starting with /",
  }),
  listen: field.string(
    'HOST:PORT of a listener of its own for the metrics (keep them off the client port); "" = served on `listen` beside the API',
    { default: "", pattern: /^(|(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5})$/, patternHint: '"" or of the form HOST:PORT' },
  ),
} as const;

/** Schema of `tracing`: OpenTelemetry traces. */
export const tracingSchema = {
  otlpEndpoint: field.string(
    'OTLP/HTTP base URL spans are exported to (`/v1/traces` is appended), e.g. http://127.0.0.1:4318; "" = the standard ' +
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT variables, and no tracing when neither is set",
    { default: "", pattern: /^(|https?:\/\/\S+)$/, patternHint: '"" or an http(s):// URL' },
  ),
  serviceName: field.string("service.name of the proxy's spans; pattern processes report as `<serviceName>-pattern`", {
    default: "prism-proxy",
  }),
} as const;

/** Schema of `state`: where changes made through the admin API are kept. */
export const stateSchema = {
  file: field.string(
    "the state file (relative to this file) holding namespaces as changed through the admin API; while it exists its namespaces " +
      "replace this file's `namespaces`; \"\" = this file's name with `.state.json` beside it (`prism.yaml` → `prism.state.json`)",
    { default: "" },
  ),
} as const;

/** Schema of the top level of prism.yaml, except `namespaces` (a map checked separately). */
export const topLevelSchema = {
  listen: field.string("HOST:PORT the proxy serves gRPC, gRPC-Web and Connect on", {
    default: defaultListen,
    pattern: /^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/,
    patternHint: "of the form HOST:PORT",
  }),
  cors: field.object(
    "cross-origin access for browsers: `allowOrigins` (list of origins; default [] " +
      '= none, "*" = any) and `maxAgeSeconds` (preflight cache time; default 7200)',
    corsSchema,
  ),
  absentNamespace: field.string(
    'the namespace of a call without a prism-namespace header; "" = the header is required. (HTTP/2 drops a header value ' +
      "with control characters before the proxy sees it, so such a call looks like one without the header.)",
    { default: "default", pattern: /^(|[a-z0-9][a-z0-9_-]{0,62})$/, patternHint: `"" or a namespace name` },
  ),
  overload: field.object(
    "bounds on connections, streams, bytes, headers, idle time and deadlines; every field has a default (see the `overload.*` rows)",
    overloadSchema,
  ),
  health: field.object("what GET /healthz tells", healthSchema),
  metrics: field.object(
    "Prometheus metrics: `enabled` (default true), `path` (default /metrics), `listen` (default: the proxy's port)",
    metricsSchema,
  ),
  tracing: field.object(
    "OpenTelemetry traces: `otlpEndpoint` (default: from OTEL_* variables; none = off) and `serviceName`",
    tracingSchema,
  ),
  auth: field.object(
    "authentication (OIDC/JWT) and proxy administrators; see the `auth.*` rows; absent = open, on loopback only",
    authSchema,
  ),
  configSource: field.object(
    "where namespaces live when several proxies serve as one: `nats` (`servers`, `bucket`); absent = this file's `namespaces`",
    configSourceSchema,
  ),
  state: field.object(
    "where admin API changes persist: `file` (default `prism.state.json` beside `prism.yaml`); once written, its namespaces replace `namespaces`",
    stateSchema,
  ),
  namespaces: field.raw(
    "namespace name → { keyvalue: binding, pubsub: binding, registry: binding, access }; absent = one default namespace on memstore",
    {
      default: undefined,
    },
  ),
} as const;

/** The validated `metrics` block. */
export type MetricsConfig = ConfigOf<typeof metricsSchema>;

/** The validated `tracing` block. */
export type TracingConfig = ConfigOf<typeof tracingSchema>;

/** The validated `health` block. */
export type HealthConfig = ConfigOf<typeof healthSchema>;

/** The validated `cors` block. */
export type CorsConfig = ConfigOf<typeof corsSchema>;

/** One API binding after validation: isolation decided, `backend` resolved to the module serving it. */
export type BindingConfig = ConfigOf<typeof bindingSchema> & {
  /** Where the pattern runs. */
  isolation: "inprocess" | "process";
  /** The module serving `backend` (undefined for a `command` binding). */
  module: PatternModule | undefined;
};

/** Schema of `namespaces.<name>.access`: who may read, write or administer the namespace. */
export const accessSchema = {
  read: field.stringList('principals that may read (Get, Exists, Scan, BatchGet, Subscribe, Ack): "sub:…", "group:…", "scope:…" or "any"', {
    default: [],
  }),
  write: field.stringList("principals that may write (Set, Delete, Batch writes, Publish); write implies read", { default: [] }),
  admin: field.stringList(
    "principals with every right on the namespace: admin implies read and write (the admin API itself needs auth.admin)",
    {
      default: [],
    },
  ),
} as const;

/** The validated access rules of a namespace. */
export type NamespaceAccessConfig = ConfigOf<typeof accessSchema>;

/** A validated namespace: which binding serves each API, and who may call it. */
export interface NamespaceConfig {
  /** The namespace name. */
  name: string;
  /** The mapping as given (what the admin API returns and the state file keeps). */
  source: Readonly<Record<string, unknown>>;
  /** Bindings by API. */
  apis: Partial<Record<ApiName, BindingConfig>>;
  /** Who may read, write and administer it (used when auth is on). */
  access: NamespaceAccessConfig;
}

/** The validated proxy configuration. */
export interface ProxyConfig {
  /** HOST:PORT to listen on. */
  listen: string;
  /** Namespaces by name. */
  namespaces: Map<string, NamespaceConfig>;
  /** Which browser origins may call the front door. */
  cors: CorsConfig;
  /** The namespace of a call without the header ("" = required). */
  absentNamespace: string;
  /** How callers are authenticated, and who administers the proxy. */
  auth: AuthConfig;
  /** Bounds on connections, streams, bytes and time. */
  overload: OverloadConfig;
  /** What /healthz tells. */
  health: HealthConfig;
  /** Prometheus metrics. */
  metrics: MetricsConfig;
  /** OpenTelemetry traces. */
  tracing: TracingConfig;
  /** The file it came from, when any. */
  file: string | undefined;
  /** The folder relative paths are resolved in (pattern packages, module paths, commands): the file's, else the current one. */
  baseDir: string;
  /** Where admin API changes persist (undefined without a config file, or with a shared config source). */
  stateFile: string | undefined;
  /** The NATS KV bucket namespaces come from, when several proxies share them. */
  configSource: NatsConfigSource | undefined;
}

const originPattern = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/i;

/** The namespaces of a config without any: `default`, with KeyValue, PubSub and the registry on in-process memstore. */
const defaultNamespaces = {
  default: { keyvalue: { backend: "memstore" }, pubsub: { backend: "memstore" }, registry: { backend: "memstore" } },
} as const;

/** The zero-config default: one `default` namespace with KeyValue, PubSub and the registry on in-process memstore. */
export function defaultProxyConfig(listen = defaultListen): ProxyConfig {
  return parseProxyConfig({ listen, namespaces: defaultNamespaces }, undefined);
}

/** Reads and validates a prism.yaml file; `listen` (from --listen) replaces the file's. */
export function loadProxyConfig(file: string, listen?: string): ProxyConfig {
  const input = loadConfigFile(file);
  const withListen = listen === undefined || typeof input !== "object" || input === null ? input : { ...input, listen };
  return parseProxyConfig(withListen, file);
}

/** Validates already-parsed config data; `file` is named in errors. */
export function parseProxyConfig(input: unknown, file: string | undefined): ProxyConfig {
  const top = parseConfig(topLevelSchema, input, { file });
  top.cors.allowOrigins.forEach((origin, index) => {
    if (origin !== "*" && origin !== "null" && !originPattern.test(origin)) {
      throw new ConfigError({
        file,
        field: `cors.allowOrigins[${index}]`,
        expected: '"*" or an origin of the form scheme://host[:port] (no path, no trailing slash)',
        got: origin,
      });
    }
  });
  const namespaces = new Map<string, NamespaceConfig>();
  const raw = top.namespaces ?? defaultNamespaces;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError({ file, field: "namespaces", expected: "a mapping of namespace name to its APIs", got: raw });
  }
  const baseDir = file === undefined ? process.cwd() : dirname(resolve(file));
  for (const [name, input] of Object.entries(raw as Record<string, unknown>)) {
    namespaces.set(name, parseNamespace(name, input, { file, path: `namespaces.${name}`, baseDir }));
  }
  const { auth } = top;
  checkAuth(auth, top.listen, file);
  const stateFile = file === undefined ? undefined : resolve(baseDir, top.state.file || defaultStateFileName(file));
  if (file !== undefined && stateFile === resolve(file)) {
    throw new ConfigError({
      file,
      field: "state.file",
      expected: "a file other than this config file",
      problem: "names this config file: the proxy rewrites its state file, so give it a file of its own",
    });
  }
  const nats = top.configSource.nats;
  const configSource: NatsConfigSource | undefined =
    nats.servers.length === 0
      ? undefined
      : {
          servers: nats.servers,
          bucket: nats.bucket,
          snapshotFile:
            file === undefined ? undefined : resolve(baseDir, nats.snapshotFile || `${basename(file, extname(file))}.snapshot.json`),
          connectTimeoutMs: nats.connectTimeoutMs,
        };
  return {
    listen: top.listen,
    namespaces,
    configSource,
    cors: top.cors,
    absentNamespace: top.absentNamespace,
    auth,
    overload: top.overload,
    health: top.health,
    metrics: top.metrics,
    tracing: top.tracing,
    file,
    baseDir,
    // With a shared source the bucket is where changes persist, not a file of this proxy.
    stateFile: configSource === undefined ? stateFile : undefined,
  };
}

/** The state file's default name for a config file: prism.yaml → prism.state.json. */
export function defaultStateFileName(configFile: string): string {
  return `${basename(configFile, extname(configFile))}.state.json`;
}

function parseBinding(input: unknown, file: string | undefined, path: string, baseDir: string): BindingConfig {
  const binding = parseConfig(bindingSchema, input, { file, path });
  const hasBackend = binding.backend !== "";
  const hasCommand = binding.command.length > 0;
  if (hasBackend === hasCommand) {
    throw new ConfigError({
      file,
      field: path,
      expected: "exactly one of `backend` or `command`",
      problem: `give exactly one of \`backend\` (${builtinNames}, or a pattern package) or \`command\` (a custom pattern's argv)`,
    });
  }
  if (hasCommand && binding.isolation === "inprocess") {
    throw new ConfigError({
      file,
      field: `${path}.isolation`,
      expected: '"process" (or omit it) for a `command` pattern',
      problem: "a `command` pattern runs as its own process; isolation inprocess needs a `backend` (built-in, package or module path)",
    });
  }
  let module: PatternModule | undefined;
  if (hasBackend) {
    try {
      module = resolvePatternModule(binding.backend, baseDir);
    } catch (error) {
      const expected = `a built-in pattern (${builtinNames}), an installed pattern package or a module path`;
      throw new ConfigError({
        file,
        field: `${path}.backend`,
        expected,
        problem: `expected ${expected}, got ${JSON.stringify(binding.backend)} (${(error as Error).message})`,
      });
    }
  }
  const isolation = binding.isolation === "auto" ? (hasCommand ? "process" : "inprocess") : binding.isolation;
  return { ...binding, isolation, module };
}

const builtinNames = Object.keys(builtinPatternPackages).join(", ");

/** Where a namespace's config came from, for errors and relative paths. */
export interface NamespaceLocation {
  /** The config file, if any. */
  file: string | undefined;
  /** The dotted path of the namespace, e.g. "namespaces.orders". */
  path: string;
  /** The folder relative paths resolve in. */
  baseDir: string;
}

/** Validates one namespace (its API bindings and `access` rules) exactly as prism.yaml does. */
export function parseNamespace(name: string, input: unknown, location: NamespaceLocation): NamespaceConfig {
  const { file, path, baseDir } = location;
  if (!namespaceNamePattern.test(name)) {
    throw new ConfigError({
      file,
      field: path,
      expected: `a namespace name of ${namespaceNameRule}`,
      problem: `invalid namespace name ${JSON.stringify(name.slice(0, 80))}: use ${namespaceNameRule}`,
    });
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ConfigError({ file, field: path, expected: `a mapping with any of: ${apiNames.join(", ")}, access`, got: input });
  }
  const namespace: NamespaceConfig = {
    name,
    source: input as Record<string, unknown>,
    apis: {},
    access: { read: [], write: [], admin: [] },
  };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key === "access") {
      namespace.access = parseAccess(value, file, `${path}.access`);
      continue;
    }
    if (!(apiNames as readonly string[]).includes(key)) {
      throw new ConfigError({
        file,
        field: `${path}.${key}`,
        expected: [...apiNames, "access"].join(", "),
        problem: `unknown API (known: ${apiNames.join(", ")}; or access)`,
      });
    }
    namespace.apis[key as ApiName] = parseBinding(value, file, `${path}.${key}`, baseDir);
  }
  if (Object.keys(namespace.apis).length === 0) {
    throw new ConfigError({ file, field: path, expected: `at least one of: ${apiNames.join(", ")}`, got: input });
  }
  return namespace;
}

/** Validates `namespaces.<name>.access`: principals per permission. */
function parseAccess(input: unknown, file: string | undefined, path: string): NamespaceAccessConfig {
  const access = parseConfig(accessSchema, input, { file, path });
  for (const permission of ["read", "write", "admin"] as const) {
    access[permission].forEach((principal, index) => {
      if (!principalPattern.test(principal)) {
        throw new ConfigError({ file, field: `${path}.${permission}[${index}]`, expected: principalRule, got: principal });
      }
    });
  }
  return access;
}

/** Checks the auth block against the listen address: open only on loopback unless said so. */
function checkAuth(auth: AuthConfig, listen: string, file: string | undefined): void {
  auth.admin.forEach((principal, index) => {
    if (!principalPattern.test(principal))
      throw new ConfigError({ file, field: `auth.admin[${index}]`, expected: principalRule, got: principal });
  });
  const mode = effectiveAuthMode(auth);
  if (mode === "jwt") {
    if (auth.issuer === "")
      throw new ConfigError({
        file,
        field: "auth.issuer",
        expected: "the token issuer's URL",
        problem: "required with auth (the token issuer, e.g. https://id.example.com)",
      });
    if (auth.audience.length === 0)
      throw new ConfigError({
        file,
        field: "auth.audience",
        expected: "a list of accepted audiences",
        problem: "required with auth: the audience (aud) tokens for this proxy carry",
      });
    auth.algorithms.forEach((algorithm, index) => {
      if (/^(none|HS\d+)$/i.test(algorithm)) {
        throw new ConfigError({
          file,
          field: `auth.algorithms[${index}]`,
          expected: "an asymmetric algorithm (RS256, PS256, ES256, EdDSA, ...)",
          problem: `${algorithm} is not accepted: a public key is not a shared secret, and none is no signature`,
        });
      }
    });
  }
  if (mode === "open" && !isLoopbackListen(listen)) {
    throw new ConfigError({
      file,
      field: "auth",
      expected: "an auth block",
      problem: `listen ${listen} is not a loopback address and there is no auth block: configure auth (issuer, audience), or say auth: { mode: none } to run open on purpose`,
    });
  }
}

/** The auth mode in effect: "jwt", "none" (open on purpose) or "open" (no auth block: loopback only). */
export function effectiveAuthMode(auth: AuthConfig): "jwt" | "none" | "open" {
  if (auth.mode === "none") return "none";
  if (auth.mode === "jwt" || auth.issuer !== "") return "jwt";
  return "open";
}

function isLoopbackListen(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(":")).replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
