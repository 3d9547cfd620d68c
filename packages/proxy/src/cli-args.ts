// Command-line arguments of prism-proxy.
import { parseArgs } from "node:util";

/** Parsed prism-proxy arguments. */
export interface ProxyCliArgs {
  /** --config FILE, when given. */
  config: string | undefined;
  /** --listen HOST:PORT, overriding the config's `listen`. */
  listen: string | undefined;
  /** --help was given. */
  help: boolean;
  /** --version was given. */
  version: boolean;
}

/** Usage text. */
export const proxyUsage = `usage: prism-proxy [--config FILE] [--listen HOST:PORT]

  --config FILE       prism.yaml to load (default: none = one "default" namespace on in-process memstore)
  --listen HOST:PORT  address to serve on (overrides the config's listen; default 127.0.0.1:8980)
  --help              show this help
  --version           print the version

Environment: PRISM_LOG_LEVEL=debug|info|warn|error (default info). Logs are JSON lines on stderr.`;

/** Parses argv (without node and the script); throws with a readable message on bad flags. */
export function parseProxyArgs(argv: string[]): ProxyCliArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      listen: { type: "string", short: "l" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", default: false },
    },
    strict: true,
  });
  return { config: values.config, listen: values.listen, help: values.help ?? false, version: values.version ?? false };
}
