// `prismctl kv`: get, set, del and exists on one key of a namespace's KeyValue API (scan is in kv-scan-command.ts).
import type { Command } from "commander";
import { commandContext } from "../command-context.js";
import { integerOption } from "../input/option-parsers.js";
import { readStdin } from "../input/read-stdin.js";
import { describeBytes, encodeBytes } from "../output/encoded-bytes.js";
import { printable, printableLines } from "../output/printable.js";
import { addKvScanCommand } from "./kv-scan-command.js";

const examples = `
Examples:
  prismctl kv set user:42 Ada --ttl 60000
  prismctl kv get user:42
  prismctl kv get avatar:42 --raw > avatar.png
  cat avatar.png | prismctl kv set avatar:42 -
  prismctl kv exists user:42
  prismctl kv del user:42
  prismctl kv scan user: --values --limit 100`;

/** Adds `kv` and its subcommands to `program`. */
export function addKvCommand(program: Command): void {
  const kv = program.command("kv").description("read and write keys of the namespace's KeyValue API").addHelpText("after", examples);

  kv.command("get")
    .description("print the value of a key (exit 3 when it is missing or expired)")
    .argument("<key>", "the key")
    .option("--raw", "write the value's bytes exactly as stored, without a newline (for files and pipes)")
    .action(async (key: string, options: { raw?: boolean }, command: Command) => {
      const context = commandContext(command);
      const value = await context.run(`kv get ${JSON.stringify(key)}`, async () => (await context.client()).kv.get(key));
      const { output, settings } = context;
      if (options.raw) output.raw(value);
      else if (output.mode === "json") {
        const { text, encoding } = encodeBytes(value);
        output.json({ namespace: settings.namespace, key, value: text, encoding });
      } else output.line(describeBytes(value, printableLines));
    });

  kv.command("set")
    .description("store a value under a key, replacing any previous value")
    .argument("<key>", "the key")
    .argument("<value>", 'the value (stored as UTF-8); "-" reads it, as bytes, from standard input')
    .option("--ttl <ms>", "expire the key after this many milliseconds", integerOption(1))
    .action(async (key: string, text: string, options: { ttl?: number }, command: Command) => {
      const context = commandContext(command);
      const what = `kv set ${JSON.stringify(key)}`;
      const value = text === "-" ? await context.run(what, () => readStdin("value")) : text;
      const client = await context.run(what, () => context.client());
      await context.run(what, () => client.kv.set(key, value, options.ttl === undefined ? {} : { ttlMs: options.ttl }));
      const { output, settings } = context;
      if (output.mode === "json") output.json({ namespace: settings.namespace, key, set: true, ttlMs: options.ttl ?? 0 });
      else output.line(`set ${printable(JSON.stringify(key))}${options.ttl === undefined ? "" : ` (expires in ${options.ttl} ms)`}`);
    });

  kv.command("del")
    .alias("delete")
    .description("remove a key (a missing key is not an error)")
    .argument("<key>", "the key")
    .action(async (key: string, _options: unknown, command: Command) => {
      const context = commandContext(command);
      const deleted = await context.run(`kv del ${JSON.stringify(key)}`, async () => (await context.client()).kv.delete(key));
      const { output, settings } = context;
      if (output.mode === "json") output.json({ namespace: settings.namespace, key, deleted });
      else output.line(deleted ? `deleted ${printable(JSON.stringify(key))}` : `${printable(JSON.stringify(key))} was not there`);
    });

  kv.command("exists")
    .description("tell whether a key is present and not expired (exit 0 either way)")
    .argument("<key>", "the key")
    .action(async (key: string, _options: unknown, command: Command) => {
      const context = commandContext(command);
      const exists = await context.run(`kv exists ${JSON.stringify(key)}`, async () => (await context.client()).kv.exists(key));
      const { output, settings } = context;
      if (output.mode === "json") output.json({ namespace: settings.namespace, key, exists });
      else output.line(`${printable(JSON.stringify(key))} ${exists ? "exists" : "does not exist"}`);
    });

  addKvScanCommand(kv);
}
