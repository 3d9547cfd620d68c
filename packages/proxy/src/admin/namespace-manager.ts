// The proxy's namespaces at run time, one code path for start-up and for the admin API. A change
// is validated exactly like prism.yaml, then the patterns it needs are started beside the running
// ones; only once they serve (and the state file holds the change) is the router switched, by one
// synchronous step, so a call routes either all by the old namespace or all by the new one. The
// patterns that left the router are then drained (unary calls already routed to them finish) and
// stopped. Changes to one namespace run one at a time; changes to different namespaces run side
// by side, except the short commit (state file write + switch), which runs one at a time so the
// file always holds every committed change.
import { Code, ConfigError, ConnectError, type HealthReport, type Logger } from "@prism/pattern-sdk";
import type { ApiName } from "../config/api-names.js";
import { namespaceNamePattern } from "../config/namespace-name.js";
import { type BindingConfig, type NamespaceConfig, parseNamespace } from "../config/proxy-config.js";
import { requestLimitOf } from "../patterns/request-limit.js";
import type { RuntimeFactory } from "../patterns/runtime-factory.js";
import { TrackedRuntime } from "../patterns/tracked-runtime.js";
import { errorReasonHeader, type NamespaceRouter } from "../server/namespace-router.js";
import { KeyedLock } from "./keyed-lock.js";
import type { NamespaceStateFile } from "./namespace-state-file.js";

/** What a NamespaceManager works with. */
export interface NamespaceManagerOptions {
  /** The router calls are routed by; the manager switches it. */
  router: NamespaceRouter;
  /** Builds the runtime of one binding. */
  createRuntime: RuntimeFactory;
  /** The folder relative paths of admin-made namespaces resolve in (the config file's). */
  baseDir: string;
  /** Where changes persist; undefined = live only (the proxy has no config file). */
  stateFile: NamespaceStateFile | undefined;
  /** Told of every change (with every namespace), e.g. to replace the Authorizer's access rules. */
  onNamespacesChange?: (namespaces: ReadonlyMap<string, NamespaceConfig>) => void;
  /** The proxy's logger. */
  logger: Logger;
}

/** The state of the pattern serving one API of a namespace. */
export interface PatternState {
  /** The API served. */
  api: ApiName;
  /** Human description, e.g. "memstore (inprocess)". */
  pattern: string;
  /** Where it runs. */
  isolation: "inprocess" | "process";
  /** Its current health. */
  health: HealthReport;
  /** Restarts since it was started. */
  restarts: number;
}

/** The state of one namespace's patterns. */
export interface NamespaceState {
  /** The namespace name. */
  name: string;
  /** One per API, sorted by API. */
  patterns: PatternState[];
}

/** Who asked for a change, for the log line. */
export interface ChangeContext {
  /** The caller's subject, when the proxy authenticates. */
  by?: string | undefined;
}

/** A running binding. */
interface Binding {
  /** The runtime the router holds. */
  readonly runtime: TrackedRuntime;
  /** Its validated config. */
  readonly config: BindingConfig;
  /** The binding's mapping as canonical JSON: an update keeps a binding whose mapping did not change. */
  readonly key: string;
}

/** A namespace being served. */
interface Served {
  /** Its validated config. */
  readonly config: NamespaceConfig;
  /** Its running bindings. */
  readonly bindings: ReadonlyMap<ApiName, Binding>;
}

/** Creates, updates and deletes namespaces live, and persists the changes. */
export class NamespaceManager {
  private readonly served = new Map<string, Served>();
  /** One change at a time per namespace. */
  private readonly changes = new KeyedLock();
  /** One commit (state file write + switch) at a time. */
  private readonly commits = new KeyedLock();
  private closed = false;
  private closing: Promise<void> | undefined;
  private warnedLiveOnly = false;
  private largestRequest = requestLimitOf(undefined);

  constructor(private readonly options: NamespaceManagerOptions) {}

  /** The largest request message any namespace accepts now (at least the default). */
  get maxRequestBytes(): number {
    return this.largestRequest;
  }

  /** Where changes persist (undefined: live only). */
  get stateFile(): string | undefined {
    return this.options.stateFile?.path;
  }

  /**
   * Starts the namespaces the proxy begins with, one after the other; `file` is where they came
   * from (named in pattern config errors). On a failure, stops what started and rejects with it.
   */
  async start(namespaces: Iterable<NamespaceConfig>, file: string | undefined): Promise<void> {
    try {
      for (const config of namespaces) this.install({ config, bindings: await this.startBindings(config, file, undefined) });
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Every namespace, sorted by name. */
  list(): NamespaceConfig[] {
    return [...this.served.values()].map((served) => served.config).sort((a, b) => compare(a.name, b.name));
  }

  /** One namespace; INVALID_ARGUMENT for a name that is not one, NOT_FOUND for an unknown one. */
  get(name: string): NamespaceConfig {
    checkName(name);
    const served = this.served.get(name);
    if (served === undefined) throw notFound(name);
    return served.config;
  }

  /** Validates `input` (the mapping prism.yaml has under namespaces.<name>), starts its patterns, then routes calls to them. */
  create(name: string, input: unknown, context: ChangeContext = {}): Promise<NamespaceConfig> {
    return this.changes.run(name, async () => {
      this.checkOpen();
      checkName(name);
      if (this.served.has(name)) throw new ConnectError(`namespace ${JSON.stringify(name)} already exists`, Code.AlreadyExists);
      const config = this.parse(name, input);
      const next: Served = { config, bindings: await this.startForChange(config, undefined) };
      await this.commitOrStop(name, next, undefined);
      this.options.logger.info(`admin: created namespace "${name}" (${describeBindings(next)})`, { namespace: name, by: context.by });
      return config;
    });
  }

  /**
   * Replaces a namespace's mapping: bindings whose mapping changed get new patterns, started
   * beside the old ones; then calls switch to them at once, and the old ones are drained and stopped.
   */
  update(name: string, input: unknown, context: ChangeContext = {}): Promise<NamespaceConfig> {
    return this.changes.run(name, async () => {
      this.checkOpen();
      checkName(name);
      const current = this.served.get(name);
      if (current === undefined) throw notFound(name);
      const config = this.parse(name, input);
      const next: Served = { config, bindings: await this.startForChange(config, current) };
      await this.commitOrStop(name, next, current);
      const replaced = [...current.bindings].filter(([api, binding]) => next.bindings.get(api) !== binding);
      this.options.logger.info(
        `admin: updated namespace "${name}" (${describeBindings(next)}); ` +
          (replaced.length > 0
            ? `draining and stopping ${replaced.map(([api, binding]) => `${api}: ${binding.runtime.description}`).join(", ")}`
            : "no pattern replaced"),
        { namespace: name, by: context.by },
      );
      await this.retire(replaced.map(([, binding]) => binding));
      return config;
    });
  }

  /** Stops routing calls to a namespace, then drains and stops its patterns. */
  delete(name: string, context: ChangeContext = {}): Promise<void> {
    return this.changes.run(name, async () => {
      this.checkOpen();
      checkName(name);
      const current = this.served.get(name);
      if (current === undefined) throw notFound(name);
      await this.commit(name, undefined);
      this.options.logger.info(`admin: deleted namespace "${name}"; draining and stopping its patterns`, {
        namespace: name,
        by: context.by,
      });
      await this.retire([...current.bindings.values()]);
    });
  }

  /** Every namespace's patterns with their health, sorted by name and API. */
  status(): Promise<NamespaceState[]> {
    const served = [...this.served.values()].sort((a, b) => compare(a.config.name, b.config.name));
    return Promise.all(
      served.map(async ({ config, bindings }) => ({
        name: config.name,
        patterns: await Promise.all(
          [...bindings]
            .sort(([a], [b]) => compare(a, b))
            .map(async ([api, binding]) => ({
              api,
              pattern: binding.runtime.description,
              isolation: binding.config.isolation,
              health: await binding.runtime
                .health()
                .catch((error: Error): HealthReport => ({ status: "UNHEALTHY", message: `health check failed: ${error.message}` })),
              restarts: binding.runtime.restarts,
            })),
        ),
      })),
    );
  }

  /** Refuses further changes, lets the ones under way finish, then stops every pattern (each drains inside). Safe to call more than once. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      await this.changes.settled();
      const bindings = [...this.served.values()].flatMap((served) => [...served.bindings.values()]);
      await Promise.all(bindings.map((binding) => this.stopRuntime(binding.runtime)));
    })();
    return this.closing;
  }

  /** Validates `input` exactly as prism.yaml's namespaces.<name>; INVALID_ARGUMENT with prism.yaml's message. */
  /** Validates a namespace's name and mapping as create and update do (INVALID_ARGUMENT naming the field), starting nothing. */
  validate(name: string, input: unknown): NamespaceConfig {
    checkName(name);
    return this.parse(name, input);
  }

  /** Whether `name` is served now. */
  has(name: string): boolean {
    return this.served.has(name);
  }

  private parse(name: string, input: unknown): NamespaceConfig {
    try {
      return parseNamespace(name, input, { file: undefined, path: `namespaces.${name}`, baseDir: this.options.baseDir });
    } catch (error) {
      if (error instanceof ConfigError) throw new ConnectError(error.message, Code.InvalidArgument);
      throw error;
    }
  }

  /**
   * Starts the bindings of `config` (keeping those of `previous` whose mapping is unchanged); on a
   * failure stops the ones it started and rejects with the failure.
   */
  private async startBindings(
    config: NamespaceConfig,
    file: string | undefined,
    previous: Served | undefined,
  ): Promise<Map<ApiName, Binding>> {
    const bindings = new Map<ApiName, Binding>();
    const started: TrackedRuntime[] = [];
    try {
      for (const [api, bindingConfig] of Object.entries(config.apis) as [ApiName, BindingConfig][]) {
        const key = canonicalJson(config.source[api]);
        const kept = previous?.bindings.get(api);
        if (kept !== undefined && kept.key === key) {
          bindings.set(api, kept);
          continue;
        }
        const runtime = new TrackedRuntime(await this.options.createRuntime(config.name, api, bindingConfig, file));
        started.push(runtime);
        await runtime.start();
        bindings.set(api, { runtime, config: bindingConfig, key });
        this.options.logger.info(`namespace "${config.name}" ${api} → ${runtime.description}`);
      }
    } catch (error) {
      await Promise.all(started.map((runtime) => this.stopRuntime(runtime)));
      throw error;
    }
    return bindings;
  }

  /** startBindings for an admin change: a pattern's config error is INVALID_ARGUMENT, any other start failure FAILED_PRECONDITION. */
  private async startForChange(config: NamespaceConfig, previous: Served | undefined): Promise<Map<ApiName, Binding>> {
    try {
      return await this.startBindings(config, undefined, previous);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConnectError(error.message, Code.InvalidArgument);
      if (error instanceof ConnectError) throw error;
      throw new ConnectError(
        `namespace "${config.name}" was not changed: its patterns did not start: ${(error as Error).message}`,
        Code.FailedPrecondition,
      );
    }
  }

  /** Commits `next`; when that fails, stops the patterns `next` started (those not in `current`) and rejects. */
  private async commitOrStop(name: string, next: Served, current: Served | undefined): Promise<void> {
    try {
      await this.commit(name, next);
    } catch (error) {
      const fresh = [...next.bindings].filter(([api, binding]) => current?.bindings.get(api) !== binding);
      await Promise.all(fresh.map(([, binding]) => this.stopRuntime(binding.runtime)));
      throw error;
    }
  }

  /** Writes the state file with the change, then switches to it (next undefined = delete); one commit at a time. */
  private commit(name: string, next: Served | undefined): Promise<void> {
    return this.commits.run("commit", async () => {
      this.checkOpen();
      await this.persist(name, next);
      if (next === undefined) this.uninstall(name);
      else this.install(next);
    });
  }

  /** Saves every namespace, with `name` as `next` has it, to the state file (or warns once that nothing is saved). */
  private async persist(name: string, next: Served | undefined): Promise<void> {
    const stateFile = this.options.stateFile;
    if (stateFile === undefined) {
      if (!this.warnedLiveOnly) {
        this.warnedLiveOnly = true;
        this.options.logger.warn(
          "admin: namespace changes apply live but are not persisted: the proxy runs without a config file, so there is no state file; they are lost at restart",
        );
      }
      return;
    }
    const names = new Set([...this.served.keys(), name]);
    const namespaces: Record<string, unknown> = {};
    for (const each of [...names].sort(compare)) {
      const source = each === name ? next?.config.source : this.served.get(each)?.config.source;
      if (source !== undefined) namespaces[each] = source;
    }
    try {
      await stateFile.save(namespaces);
    } catch (error) {
      this.options.logger.error(`admin: cannot write the state file ${stateFile.path}: ${(error as Error).message}`);
      throw new ConnectError(
        `namespace "${name}" was not changed: cannot write the state file ${stateFile.path}: ${(error as Error).message}`,
        Code.Internal,
      );
    }
  }

  /** Routes `served` (creating or replacing its namespace) and tells who listens. Synchronous: one step for every caller. */
  private install(served: Served): void {
    const { name } = served.config;
    this.served.set(name, served);
    this.changed();
    const runtimes = new Map<ApiName, TrackedRuntime>();
    for (const [api, binding] of served.bindings) runtimes.set(api, binding.runtime);
    this.options.router.set(name, runtimes);
  }

  /** Stops routing `name` and tells who listens. */
  private uninstall(name: string): void {
    this.options.router.remove(name);
    this.served.delete(name);
    this.changed();
  }

  private changed(): void {
    let largest = requestLimitOf(undefined);
    const configs = new Map<string, NamespaceConfig>();
    for (const [name, served] of this.served) {
      configs.set(name, served.config);
      for (const binding of served.bindings.values()) largest = Math.max(largest, binding.runtime.requestLimit);
    }
    this.largestRequest = largest;
    this.options.onNamespacesChange?.(configs);
  }

  /** Lets the unary calls routed to each binding finish (up to its drainTimeoutMs), then stops it. */
  private async retire(bindings: Binding[]): Promise<void> {
    await Promise.all(
      bindings.map(async ({ runtime, config }) => {
        if (!(await runtime.whenIdle(config.drainTimeoutMs))) {
          this.options.logger.warn(
            `${runtime.description}: ${runtime.callsInFlight} call(s) still in flight after drainTimeoutMs (${config.drainTimeoutMs} ms); stopping`,
          );
        }
        await this.stopRuntime(runtime);
      }),
    );
  }

  private async stopRuntime(runtime: TrackedRuntime): Promise<void> {
    try {
      await runtime.stop();
    } catch (error) {
      this.options.logger.error(`stopping ${runtime.description} failed: ${(error as Error).message}`);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectError("the proxy is shutting down: namespaces cannot change now", Code.Unavailable);
  }
}

/** INVALID_ARGUMENT, worded as prism.yaml's error for that name, when `name` is not a namespace name. */
function checkName(name: string): void {
  if (namespaceNamePattern.test(name)) return;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  try {
    parseNamespace(name, undefined, { file: undefined, path: `namespaces.${shown}`, baseDir: "" });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConnectError(error.message, Code.InvalidArgument);
    throw error;
  }
}

/** NOT_FOUND for an unknown namespace, worded and tagged as the router's (the client maps it to NamespaceNotFoundError). */
function notFound(name: string): ConnectError {
  return new ConnectError(`namespace ${JSON.stringify(name)} is not configured on this proxy`, Code.NotFound, {
    [errorReasonHeader]: "namespace-not-found",
  });
}

/** "keyvalue → memstore (inprocess), pubsub → ..." */
function describeBindings(served: Served): string {
  return [...served.bindings].map(([api, binding]) => `${api} → ${binding.runtime.description}`).join(", ");
}

/** JSON with object keys sorted, so equal mappings compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "object" && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => compare(a, b)))
      : item,
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
