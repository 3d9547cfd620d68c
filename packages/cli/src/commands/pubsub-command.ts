// `prismctl pubsub`: publish a message to a topic (subscribe is in pubsub-subscribe-command.ts).
import type { Command } from "commander";
import { commandContext } from "../command-context.js";
import { keyValueOption } from "../input/option-parsers.js";
import { readStdin } from "../input/read-stdin.js";
import { printable } from "../output/printable.js";
import { addPubSubSubscribeCommand } from "./pubsub-subscribe-command.js";

const examples = `
Examples:
  prismctl pubsub publish orders.created '{"id":42}' --metadata source=cli
  echo hello | prismctl pubsub publish greetings
  prismctl pubsub subscribe 'orders.>' --group billing
  prismctl pubsub subscribe orders.created --count 1 > message.json`;

/** Adds `pubsub` and its subcommands to `program`. */
export function addPubSubCommand(program: Command): void {
  const pubsub = program
    .command("pubsub")
    .description("publish and subscribe on the namespace's PubSub API")
    .addHelpText("after", examples);

  pubsub
    .command("publish")
    .description("publish one message and print its id")
    .argument("<topic>", "the topic, e.g. orders.created")
    .argument("[payload]", 'the payload (sent as UTF-8); absent or "-" reads it, as bytes, from standard input')
    .option("--metadata <key=value>", "string metadata delivered with the message (repeatable)", keyValueOption)
    .action(async (topic: string, text: string | undefined, options: { metadata?: Record<string, string> }, command: Command) => {
      const context = commandContext(command);
      const what = `pubsub publish ${JSON.stringify(topic)}`;
      const payload = text === undefined || text === "-" ? await context.run(what, () => readStdin("payload")) : text;
      const messageId = await context.run(what, async () =>
        (await context.client()).pubsub.publish(topic, payload, options.metadata === undefined ? {} : { metadata: options.metadata }),
      );
      const { output, settings } = context;
      if (output.mode === "json") output.json({ namespace: settings.namespace, topic, messageId });
      else output.line(`published ${printable(messageId)} to ${printable(JSON.stringify(topic))}`);
    });

  addPubSubSubscribeCommand(pubsub);
}
