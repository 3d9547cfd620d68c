// Builds the runtime of one API binding (not started yet): an in-process pattern for a `backend`
// loaded into the proxy, a supervised process otherwise. Used alike for the namespaces the proxy
// starts with and for those created or updated through the admin API.
import type { Logger } from "@prism/pattern-sdk";
import type { ByteBudget } from "@prism/wire";
import { join } from "node:path";
import { type ApiName, apiServices } from "../config/api-names.js";
import type { BindingConfig } from "../config/proxy-config.js";
import type { RefusalLog } from "../server/call-refusals.js";
import { proxyVersion } from "../version.js";
import type { ClientCalls } from "./client-calls.js";
import { InProcessPattern } from "./inprocess-pattern.js";
import { loadPatternDefinition, patternCommand } from "./pattern-module.js";
import { PatternProcess } from "./pattern-process.js";
import type { PatternRuntime } from "./pattern-runtime.js";
import { requestLimitOf } from "./request-limit.js";

/** Bounds every pattern runtime of the proxy shares. */
export interface SharedBounds {
  /** Request bytes buffered across every call. */
  buffered: ByteBudget;
  /** Calls in flight per client address to process patterns. */
  clientCalls: ClientCalls;
  /** Longest deadline honoured. */
  maxDeadlineMs: number;
  /** Where calls refused for a bound are logged (rate-limited). */
  onRefused: RefusalLog;
}

/** What every runtime of one proxy has in common. */
export interface RuntimeFactoryOptions {
  /** The folder pattern commands run in (the config file's). */
  baseDir: string;
  /** A private folder for pattern sockets. */
  socketDir: string;
  /** The proxy's logger (each runtime gets a child tagged with namespace and API). */
  logger: Logger;
  /** Bounds shared by every runtime. */
  shared: SharedBounds;
  /** Environment of pattern processes (default: the proxy's). */
  env?: NodeJS.ProcessEnv | undefined;
}

/** Builds the (unstarted) runtime serving `api` of `namespace`; `file` is named in the pattern's config errors. */
export type RuntimeFactory = (namespace: string, api: ApiName, binding: BindingConfig, file: string | undefined) => Promise<PatternRuntime>;

/** A RuntimeFactory for one proxy. Each runtime gets a socket of its own, so a new one can start beside the one it replaces. */
export function createRuntimeFactory(options: RuntimeFactoryOptions): RuntimeFactory {
  let generation = 0;
  return async (namespace, api, binding, file) => {
    const { shared } = options;
    const logger = options.logger.child({ namespace, api });
    const location = { file, path: `namespaces.${namespace}.${api}.config` };
    const serviceName = apiServices[api].typeName;
    if (binding.isolation === "inprocess" && binding.module) {
      return new InProcessPattern({
        namespace,
        definition: await loadPatternDefinition(binding.module),
        config: binding.config,
        location,
        serviceName,
        drainTimeoutMs: binding.drainTimeoutMs,
        healthIntervalMs: binding.healthIntervalMs,
        logger,
        buffered: shared.buffered,
        maxDeadlineMs: shared.maxDeadlineMs,
        onRefused: shared.onRefused,
      });
    }
    const command = binding.module ? patternCommand(binding.module) : binding.command;
    return new PatternProcess({
      ...binding,
      namespace,
      patternName: binding.backend || command[0]?.split("/").pop() || "pattern",
      command,
      cwd: options.baseDir,
      env: options.env,
      config: binding.config,
      location,
      serviceName,
      socketPath: join(options.socketDir, `${namespace}.${api}.${++generation}.sock`),
      proxyVersion,
      logger,
      requestLimit: requestLimitOf(binding.config),
      maxDeadlineMs: shared.maxDeadlineMs,
      clientCalls: shared.clientCalls,
      buffered: shared.buffered,
      onRefused: shared.onRefused,
    });
  };
}
