// createProgram: the prismctl command line (commander): global options, every command, and help that ends with the
// environment variables, output modes and exit codes.
import { Command } from "commander";
import { addHealthCommand } from "./commands/health-command.js";
import { addKvCommand } from "./commands/kv-command.js";
import { addLoginCommands } from "./commands/login-command.js";
import { addNsCommand } from "./commands/ns-command.js";
import { addPubSubCommand } from "./commands/pubsub-command.js";
import { addRegistryCommand } from "./commands/registry-command.js";
import { addGlobalOptions } from "./connection/global-options.js";
import { exitCodesHelp } from "./output/exit-codes.js";
import { cliVersion } from "./version.js";

const epilog = `
Environment:
  PRISM_URL         base URL of the proxy (--url; default http://127.0.0.1:8980)
  PRISM_NAMESPACE   namespace of data calls (-n, --namespace; default "default")
  PRISM_TOKEN       bearer token sent on every call (wins over the login cache; never printed)
  PRISM_TOKEN_FILE  the login cache written by \`prismctl login\` (default ~/.prism/token.json)

Output:
  On a terminal, human text and tables; when stdout is piped, or with --json, one JSON document per command
  (kv scan and pubsub subscribe stream JSON lines: one object per key or message). --no-json forces human text.
  Errors and notices go to stderr as "prismctl: <what failed>: <why>".

${exitCodesHelp}`;

/** Builds the program; commander's own exits (usage errors, --help, --version) are thrown as CommanderError. */
export function createProgram(): Command {
  const program = new Command("prismctl")
    .description("prismctl: the command line of Prism, a data gateway: KeyValue, PubSub, the registry, namespaces and health")
    .version(cliVersion, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(`prismctl: ${text.replace(/^error: /, "")}`) })
    .addHelpText("after", epilog);
  addGlobalOptions(program);
  addKvCommand(program);
  addPubSubCommand(program);
  addRegistryCommand(program);
  addNsCommand(program);
  addHealthCommand(program);
  addLoginCommands(program);
  return program;
}
