// `prismctl ns`: the proxy's namespaces over the admin API: list, get, create, update (config inline as JSON or from
// a YAML/JSON file: the mapping prism.yaml has under namespaces.<name>) and delete, applied live.
import type { BindingDefinition, NamespaceDefinition, NamespaceInfo } from "@prism/client";
import type { Command } from "commander";
import { type CommandContext, commandContext } from "../command-context.js";
import { readConfigDocument } from "../input/read-config-document.js";
import type { Output } from "../output/output.js";
import { printable } from "../output/printable.js";

const examples = `
Examples:
  prismctl ns list
  prismctl ns get orders
  prismctl ns create orders '{"keyvalue": {"backend": "memstore"}, "pubsub": {"backend": "memstore"}}'
  prismctl ns create cache --file cache.yaml
  prismctl ns update orders --file orders.yaml
  prismctl ns delete orders

A config file holds what prism.yaml has under namespaces.<name>, e.g.
  keyvalue:
    backend: redis
    config: { url: "redis://127.0.0.1:6379" }
  access:
    read: [any]
    write: ["group:ops"]
YAML files may use block and one-line flow style, comments and quoted strings (no anchors, tags or | blocks).`;

/** The APIs a namespace can bind, in table order. */
const apis = ["keyvalue", "pubsub", "registry"] as const;

/** Adds `ns` and its subcommands to `program`. */
export function addNsCommand(program: Command): void {
  const ns = program
    .command("ns")
    .description("list, show, create, update and delete the proxy's namespaces (admin API; applied live)")
    .addHelpText("after", examples);

  ns.command("list")
    .description("list every namespace with the backend of each API")
    .action(async (_options: unknown, command: Command) => {
      const context = commandContext(command);
      const namespaces = await context.run("ns list", async () => (await context.client()).admin.listNamespaces());
      const { output } = context;
      if (output.mode === "json") {
        output.json(namespaces);
        return;
      }
      output.table(
        [
          { header: "name", cell: (info: NamespaceInfo) => info.name },
          ...apis.map((api) => ({ header: api, cell: (info: NamespaceInfo) => describeBinding(info.config[api]) })),
          { header: "access", cell: (info: NamespaceInfo) => describeAccess(info.config) },
        ],
        namespaces,
      );
    });

  ns.command("get")
    .description("show one namespace's config (exit 3 when there is none of that name)")
    .argument("<name>", "the namespace")
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = commandContext(command);
      const info = await context.run(`ns get ${JSON.stringify(name)}`, async () => (await context.client()).admin.getNamespace(name));
      writeNamespace(context.output, info);
    });

  for (const verb of ["create", "update"] as const) {
    ns.command(verb)
      .description(
        verb === "create"
          ? "create a namespace; returns once its patterns serve"
          : "replace a namespace's whole config; returns once calls go to the new patterns",
      )
      .argument("<name>", "the namespace")
      .argument("[config]", "the config as JSON (or use --file)")
      .option("-f, --file <path>", 'the config as a YAML or JSON file; "-" = standard input')
      .action(async (name: string, inline: string | undefined, options: { file?: string }, command: Command) => {
        const context = commandContext(command);
        const what = `ns ${verb} ${JSON.stringify(name)}`;
        const config = await context.run(what, () => readConfigDocument({ inline, file: options.file }));
        const info = await context.run(what, () => apply(context, verb, name, config as NamespaceDefinition));
        if (context.output.mode === "human") context.output.line(`${verb}d namespace ${printable(JSON.stringify(name))}`);
        writeNamespace(context.output, info);
      });
  }

  ns.command("delete")
    .description("delete a namespace; returns once its patterns have drained and stopped")
    .argument("<name>", "the namespace")
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = commandContext(command);
      await context.run(`ns delete ${JSON.stringify(name)}`, async () => (await context.client()).admin.deleteNamespace(name));
      if (context.output.mode === "json") context.output.json({ name, deleted: true });
      else context.output.line(`deleted namespace ${printable(JSON.stringify(name))}`);
    });
}

/** Creates or updates `name`. */
async function apply(
  context: CommandContext,
  verb: "create" | "update",
  name: string,
  config: NamespaceDefinition,
): Promise<NamespaceInfo> {
  const { admin } = await context.client();
  return verb === "create" ? admin.createNamespace(name, config) : admin.updateNamespace(name, config);
}

/** Writes one namespace: JSON, or its bindings as a table and its access rules. */
function writeNamespace(output: Output, info: NamespaceInfo): void {
  if (output.mode === "json") {
    output.json(info);
    return;
  }
  output.line(`namespace ${printable(info.name)}`);
  const bound = apis.filter((api) => info.config[api] !== undefined);
  if (bound.length > 0) {
    output.table(
      [
        { header: "api", cell: (api: (typeof apis)[number]) => api },
        { header: "backend", cell: (api) => backendOf(info.config[api]) },
        { header: "isolation", cell: (api) => info.config[api]?.isolation ?? "auto" },
        { header: "settings", cell: (api) => settingsOf(info.config[api]) },
      ],
      bound,
    );
  } else output.line("no APIs bound");
  output.line(`access: ${describeAccess(info.config)}`);
}

/** The backend of a binding: its name, or the command of a custom pattern process. */
function backendOf(binding: BindingDefinition | undefined): string {
  if (binding === undefined) return "-";
  return binding.backend ?? (binding.command === undefined ? "?" : `command: ${binding.command.join(" ")}`);
}

/** A binding in a few words: "memstore", "redis (process)". */
function describeBinding(binding: BindingDefinition | undefined): string {
  if (binding === undefined) return "-";
  const isolation = binding.isolation === undefined || binding.isolation === "auto" ? "" : ` (${binding.isolation})`;
  return `${backendOf(binding)}${isolation}`;
}

/** Everything of a binding beyond backend, command and isolation, as compact JSON ("" when nothing). */
function settingsOf(binding: BindingDefinition | undefined): string {
  const { backend: _backend, command: _command, isolation: _isolation, ...rest } = binding ?? {};
  return Object.keys(rest).length === 0 ? "" : JSON.stringify(rest);
}

/** The access rules in one line: "read=any write=group:ops", or "-" when none. */
function describeAccess(config: NamespaceDefinition): string {
  const rules = Object.entries(config.access ?? {}).map(([permission, principals]) => `${permission}=${(principals ?? []).join(",")}`);
  return rules.length === 0 ? "-" : rules.join(" ");
}
