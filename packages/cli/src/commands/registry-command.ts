// `prismctl registry`: the namespace's Multicast Registry: list identities matching a filter, show one identity,
// and multicast a payload to every match with each target's delivery status.
import type { MulticastResult, RegisteredIdentity } from "@prism/client";
import type { Command } from "commander";
import { commandContext } from "../command-context.js";
import { parseFilter } from "../input/parse-filter.js";
import { integerOption, keyValueOption } from "../input/option-parsers.js";
import { readStdin } from "../input/read-stdin.js";
import { formatDuration } from "../output/format-duration.js";
import type { Output } from "../output/output.js";
import { printable } from "../output/printable.js";

const examples = `
Examples:
  prismctl registry list
  prismctl registry list '{"type": "sensor", "floor": {"$gte": 2}}'
  prismctl registry list 'type = "sensor" and floor >= 2' --limit 10
  prismctl registry get thermo-7
  prismctl registry multicast '{"type": "sensor"}' recalibrate --wait 2000

A filter is RFC-017's JSON form ({"field": value}, operators $eq $ne $lt $lte $gt $gte $in $nin $prefix $suffix
$contains $exists, combined with $and $or $not) or the string form (type = "sensor" and floor >= 2);
'{}' or '' matches every identity.`;

/** Options of `registry list`. */
type ListOptions = { limit?: number; pageSize?: number; metadata: boolean };

/** Options of `registry multicast`. */
type MulticastCommandOptions = { metadata?: Record<string, string>; contentType?: string; wait?: number };

/** Adds `registry` and its subcommands to `program`. */
export function addRegistryCommand(program: Command): void {
  const registry = program
    .command("registry")
    .description("find registered identities and multicast to them (the namespace's Multicast Registry)")
    .addHelpText("after", examples);

  registry
    .command("list")
    .description("list the live identities a filter matches, in identity order")
    .argument("[filter]", "JSON or string filter; absent = every identity")
    .option("--limit <n>", "stop after this many identities", integerOption(1))
    .option("--page-size <n>", "identities fetched per round trip", integerOption(1, 0xffff_ffff))
    .option("--no-metadata", "leave out the metadata")
    .action(async (filterText: string | undefined, options: ListOptions, command: Command) => {
      const context = commandContext(command);
      const what = `registry list${filterText === undefined ? "" : ` ${JSON.stringify(filterText)}`}`;
      const identities = await context.run(what, async () => {
        const filter = parseFilter(filterText);
        const client = await context.client();
        const found: RegisteredIdentity[] = [];
        const pages = client.registry.enumerate(filter, {
          includeMetadata: options.metadata,
          ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        });
        for await (const identity of pages) {
          found.push(identity);
          if (options.limit !== undefined && found.length >= options.limit) break;
        }
        return found;
      });
      const { output } = context;
      if (output.mode === "json") output.json(identities.map(toJson));
      else if (identities.length === 0) output.notice("no identity matches");
      else {
        output.table(
          [
            { header: "identity", cell: (each: RegisteredIdentity) => each.identity },
            ...(options.metadata ? [{ header: "metadata", cell: (each: RegisteredIdentity) => formatMetadata(each.metadata) }] : []),
            { header: "expires", cell: (each: RegisteredIdentity) => `in ${formatDuration(each.expiresAt.getTime() - Date.now())}` },
          ],
          identities,
        );
      }
    });

  registry
    .command("get")
    .description("show one live identity (exit 3 when it is not registered or has expired)")
    .argument("<identity>", "the identity")
    .action(async (identity: string, _options: unknown, command: Command) => {
      const context = commandContext(command);
      const found = await context.run(`registry get ${JSON.stringify(identity)}`, async () =>
        (await context.client()).registry.get(identity),
      );
      writeIdentity(context.output, found);
    });

  registry
    .command("multicast")
    .description("send a payload to every live identity a filter matches and print each delivery status")
    .argument("<filter>", "JSON or string filter; '{}' = every identity")
    .argument("[payload]", 'the payload (sent as UTF-8); absent or "-" reads it, as bytes, from standard input')
    .option("--metadata <key=value>", "string metadata delivered with the message (repeatable)", keyValueOption)
    .option("--content-type <type>", "content type delivered with the payload")
    .option("--wait <ms>", "how long the proxy waits for deliveries (default: the namespace's)", integerOption(1, 0xffff_ffff))
    .action(async (filterText: string, text: string | undefined, options: MulticastCommandOptions, command: Command) => {
      const context = commandContext(command);
      const what = `registry multicast ${JSON.stringify(filterText)}`;
      const filter = await context.run(what, async () => parseFilter(filterText));
      const payload = text === undefined || text === "-" ? await context.run(what, () => readStdin("payload")) : text;
      const result = await context.run(what, async () =>
        (await context.client()).registry.multicast(filter, payload, {
          ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
          ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
          ...(options.wait === undefined ? {} : { timeoutMs: options.wait }),
        }),
      );
      writeMulticast(context.output, result);
    });
}

/** An identity as JSON: dates as ISO strings. */
function toJson(identity: RegisteredIdentity): Record<string, unknown> {
  return {
    identity: identity.identity,
    metadata: identity.metadata,
    registeredAt: identity.registeredAt.toISOString(),
    expiresAt: identity.expiresAt.toISOString(),
  };
}

/** Metadata in one line: `floor=2 tags=[a,b] type="sensor"` (strings quoted, so 2 and "2" differ). */
function formatMetadata(metadata: RegisteredIdentity["metadata"]): string {
  return Object.entries(metadata)
    .map(
      ([key, value]) =>
        `${key}=${Array.isArray(value) ? `[${value.map((each) => JSON.stringify(each)).join(",")}]` : JSON.stringify(value)}`,
    )
    .join(" ");
}

/** Writes one identity: JSON, or one field per line. */
function writeIdentity(output: Output, identity: RegisteredIdentity): void {
  if (output.mode === "json") {
    output.json(toJson(identity));
    return;
  }
  const now = Date.now();
  output.line(`identity    ${printable(identity.identity)}`);
  output.line(`registered  ${identity.registeredAt.toISOString()} (${formatDuration(now - identity.registeredAt.getTime())} ago)`);
  output.line(`expires     ${identity.expiresAt.toISOString()} (in ${formatDuration(identity.expiresAt.getTime() - now)})`);
  output.line(`metadata    ${printable(formatMetadata(identity.metadata)) || "-"}`);
}

/** Writes a multicast result: JSON, or a summary line and one row per target. */
function writeMulticast(output: Output, result: MulticastResult): void {
  if (output.mode === "json") {
    output.json(result);
    return;
  }
  output.line(`delivered to ${result.deliveredCount} of ${result.targetCount} ${result.targetCount === 1 ? "identity" : "identities"}`);
  if (result.statuses.length === 0) return;
  output.table(
    [
      { header: "identity", cell: (each: MulticastResult["statuses"][number]) => each.identity },
      { header: "status", cell: (each) => each.status },
      { header: "message", cell: (each) => each.message },
    ],
    result.statuses,
  );
}
