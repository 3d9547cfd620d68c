// Helpers of the nats pattern's tests: a started pattern instance on a test server (with its log
// lines captured), subscribe options, a reader that drains a subscription in the background, and
// the polling options of vi.waitFor / expect.poll.
import type { PatternInstance, PubSubBackend, PubSubMessage, PubSubSubscription, SubscribeRequestOptions } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { natsPattern } from "../src/nats-pattern.js";

/** A started nats pattern instance. */
export interface StartedNats {
  /** Its PubSub backend. */
  pubsub: PubSubBackend;
  /** The instance (health, stop). */
  instance: PatternInstance;
  /** Log lines it wrote, parsed. */
  logs: Record<string, unknown>[];
}

/** Creates and starts the nats pattern for namespace `namespace` with `config`. */
export async function startNats(config: Record<string, unknown>, namespace = "test"): Promise<StartedNats> {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const instance = await natsPattern.create(parseConfig(natsPattern.config, config), { namespace, logger });
  await instance.start?.();
  if (!instance.pubsub) throw new Error("the nats pattern serves no PubSub");
  return { pubsub: instance.pubsub, instance, logs };
}

/** Subscribe options for `topic` in `group` ("" = none). */
export function subscription(topic: string, group = "", maxInFlight = 256): SubscribeRequestOptions {
  return { topic, group, maxInFlight, signal: new AbortController().signal };
}

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The UTF-8 text of a message's payload. */
export function text(message: PubSubMessage): string {
  return new TextDecoder().decode(message.payload);
}

/** A subscription being read in the background. */
export interface Reader {
  /** Every message read so far, in order. */
  messages: PubSubMessage[];
  /** Payload texts read so far. */
  texts(): string[];
  /** Resolves when the iteration ends. */
  ended: Promise<void>;
}

/** Reads `subscription` in the background; `onMessage` runs on each message (for example to ack it). */
export function read(subscription: PubSubSubscription, onMessage?: (message: PubSubMessage) => void): Reader {
  const messages: PubSubMessage[] = [];
  const ended = (async () => {
    for await (const message of subscription) {
      messages.push(message);
      onMessage?.(message);
    }
  })();
  return { messages, texts: () => messages.map(text), ended };
}

/** Options for vi.waitFor and expect.poll in checks against a real nats-server: retried every 20 ms for up to 15 s. */
export const patiently = { timeout: 15_000, interval: 20 };
