// The options every prismctl command takes (declared on the root program, accepted before or after the command).
import { type Command, Option } from "commander";
import { integerOption } from "../input/option-parsers.js";

/** Where prismctl looks for a proxy when neither --url nor PRISM_URL says. */
export const defaultUrl = "http://127.0.0.1:8980";

/** Per-call deadline when --timeout is not given, in milliseconds. */
export const defaultCallTimeoutMs = 10_000;

/** The global options as commander parsed them. */
export type GlobalOptions = {
  /** The proxy's base URL. */
  url: string;
  /** The namespace (absent: the client's default, "default"). */
  namespace?: string;
  /** true: JSON; false: human; absent: JSON unless stdout is a terminal. */
  json?: boolean;
  /** Per-call deadline in milliseconds (0 = none). */
  timeout: number;
};

/** Declares the global options on the root program. */
export function addGlobalOptions(program: Command): void {
  program
    .addOption(new Option("--url <url>", "base URL of the proxy").env("PRISM_URL").default(defaultUrl))
    .addOption(
      new Option("-n, --namespace <name>", 'namespace of KeyValue, PubSub and registry calls (default "default")').env("PRISM_NAMESPACE"),
    )
    .addOption(new Option("--json", "write JSON (the default when stdout is not a terminal)"))
    .addOption(new Option("--no-json", "write human text and tables even when stdout is not a terminal"))
    .addOption(
      new Option("--timeout <ms>", "deadline of each call in milliseconds; 0 = none")
        .argParser(integerOption(0, 2_147_483_647))
        .default(defaultCallTimeoutMs),
    );
}
