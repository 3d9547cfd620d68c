// `prismctl pubsub subscribe`: tails a topic until Ctrl-C (SIGINT) or SIGTERM, then exits 0; one line per message,
// human on a terminal, JSON lines otherwise; acknowledges each message once written (at-least-once namespaces).
import { type ReceivedMessage, UnavailableError } from "@prism/client";
import type { Command } from "commander";
import { commandContext } from "../command-context.js";
import { integerOption } from "../input/option-parsers.js";
import { describeBytes, encodeBytes } from "../output/encoded-bytes.js";
import type { Output } from "../output/output.js";
import { printable } from "../output/printable.js";

/** Options of `pubsub subscribe`. */
type SubscribeCommandOptions = {
  /** Consumer group. */
  group?: string;
  /** Stop after this many messages. */
  count?: number;
  /** Most unacked messages outstanding. */
  maxInFlight?: number;
  /** No "subscribed" notice on stderr. */
  quiet?: boolean;
};

/** Adds `subscribe` to the `pubsub` command. */
export function addPubSubSubscribeCommand(pubsub: Command): void {
  pubsub
    .command("subscribe")
    .description("print messages of a topic as they arrive, until Ctrl-C (then exit 0) or --count messages")
    .argument("<topic>", "the topic or a filter (* = one level, a trailing > = the rest)")
    .option("--group <name>", "consumer group: members of one group share the messages")
    .option("--count <n>", "exit after this many messages", integerOption(1))
    .option("--max-in-flight <n>", "most unacknowledged messages outstanding (at-least-once namespaces)", integerOption(1, 0xffff_ffff))
    .option("-q, --quiet", 'no "subscribed" notice on stderr')
    .action(async (topic: string, options: SubscribeCommandOptions, command: Command) => {
      const context = commandContext(command);
      const { output, settings } = context;
      const what = `pubsub subscribe ${JSON.stringify(topic)}`;
      const stopped = new AbortController();
      const stop = () => stopped.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      let received = 0;
      try {
        const client = await context.run(what, () => context.client());
        const subscription = client.pubsub.subscribe(topic, {
          signal: stopped.signal,
          ...(options.group === undefined ? {} : { group: options.group }),
          ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
        });
        await context.run(what, async () => {
          const { guarantee } = await subscription.ready;
          if (!options.quiet) {
            const group = options.group === undefined ? "" : ` as group ${JSON.stringify(options.group)}`;
            output.notice(
              `subscribed to ${printable(JSON.stringify(topic))}${printable(group)} in namespace ${JSON.stringify(settings.namespace)} (${guarantee}); Ctrl-C to stop`,
            );
          }
          for await (const message of subscription) {
            writeMessage(output, message);
            await message.ack();
            received++;
            if (options.count !== undefined && received >= options.count) return;
          }
          if (!stopped.signal.aborted) throw new UnavailableError("the proxy ended the subscription");
        });
      } catch (error) {
        if (!stopped.signal.aborted) throw error;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}

/** Writes one message: a JSON line, or a human line with the time, topic, payload and metadata. */
function writeMessage(output: Output, message: ReceivedMessage): void {
  if (output.mode === "json") {
    const { text, encoding } = encodeBytes(message.payload);
    output.jsonLine({
      topic: message.topic,
      payload: text,
      encoding,
      metadata: message.metadata,
      messageId: message.messageId,
      publishedAt: message.publishedAt.toISOString(),
      deliveryAttempt: message.deliveryAttempt,
    });
    return;
  }
  const time = message.publishedAt.toTimeString().slice(0, 8);
  const millis = String(message.publishedAt.getMilliseconds()).padStart(3, "0");
  const metadata = Object.entries(message.metadata).map(([key, value]) => `${key}=${value}`);
  const suffix = metadata.length === 0 ? "" : `  {${metadata.join(", ")}}`;
  const redelivered = message.deliveryAttempt > 1 ? ` (delivery ${message.deliveryAttempt})` : "";
  output.line(
    `[${time}.${millis}] ${printable(message.topic)}: ${describeBytes(message.payload, printable)}${printable(suffix)}${redelivered}`,
  );
}
