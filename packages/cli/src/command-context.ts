// CommandContext: what a command's action works with: the output, the resolved connection, the client (created on
// first use) and `run`, which names the step in any failure.
import type { PrismClient } from "@prism/client";
import type { Command } from "commander";
import { CommandFailure } from "./command-failure.js";
import { type CallInterceptor, type ConnectionSettings, connect, resolveConnection } from "./connection/connection-settings.js";
import type { GlobalOptions } from "./connection/global-options.js";
import { createOutput, type Output } from "./output/output.js";

/** The tools of one command invocation. */
export interface CommandContext {
  /** Where results go. */
  readonly output: Output;
  /** The proxy, namespace, deadline and token source. */
  readonly settings: ConnectionSettings;
  /** The client (created once; `interceptors` only apply to the first call). */
  client(interceptors?: CallInterceptor[]): Promise<PrismClient>;
  /** Runs `work`; a failure becomes a CommandFailure naming `what` (shown as "prismctl: <what>: <why>"). */
  run<T>(what: string, work: () => Promise<T>): Promise<T>;
}

/** Builds the context of the command being run from its options and its parents' (the global options). */
export function commandContext(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const urlSource = command.getOptionValueSourceWithGlobals("url") === "env" ? "PRISM_URL" : "--url";
  const output = createOutput(options.json);
  let settings: ConnectionSettings;
  try {
    settings = resolveConnection(options, urlSource);
  } catch (error) {
    throw new CommandFailure(commandPath(command), error, undefined);
  }
  let client: Promise<PrismClient> | undefined;
  return {
    output,
    settings,
    client(interceptors) {
      client ??= connect(settings, interceptors);
      return client;
    },
    async run(what, work) {
      try {
        return await work();
      } catch (error) {
        throw error instanceof CommandFailure ? error : new CommandFailure(what, error, settings);
      }
    },
  };
}

/** The command's words after "prismctl", e.g. "kv get". */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) names.unshift(current.name());
  return names.join(" ");
}
