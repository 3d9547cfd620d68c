// publishStream: the PublishStream handler. Messages are handed to the backend in the order they
// arrive (so order per topic is kept) without waiting for earlier ones to be accepted; results go
// back as they come, grouped into as few response messages as the stream's pace allows.
import { ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PublishRequest, PublishResultSchema, PublishStreamRequest, PublishStreamResponseSchema } from "@prism/proto/pubsub/v1";
import type { CallContext } from "@prism/wire";

/** Messages of one stream handed to the backend and not yet answered; reading pauses at this many. */
export const maxPublishesInFlightPerStream = 1024;

/** Validates and publishes one message, as the unary Publish handler does; rejects with the refusal. */
export type PublishOne = (request: PublishRequest, context: CallContext) => Promise<{ messageId: string }>;

type Result = MessageInitShape<typeof PublishResultSchema>;

/** Serves one PublishStream: every message of `requests` through `publishOne`, results yielded in batches. */
export async function* publishStream(
  requests: AsyncIterable<PublishStreamRequest>,
  context: CallContext,
  publishOne: PublishOne,
): AsyncIterable<MessageInitShape<typeof PublishStreamResponseSchema>> {
  let results: Result[] = [];
  let inFlight = 0;
  let reading = true;
  let readFailure: unknown;
  let wake: (() => void) | undefined;
  let space: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const settle = (result: Result) => {
    results.push(result);
    inFlight--;
    const resume = space;
    space = undefined;
    resume?.();
    notify();
  };
  const signal = context.signal;
  signal.addEventListener("abort", notify, { once: true });
  const read = async () => {
    let sequence = 0;
    try {
      for await (const batch of requests) {
        for (const message of batch.messages) {
          const number = BigInt(sequence++);
          inFlight++;
          publishOne(message, context).then(
            (response) => settle({ sequence: number, outcome: { case: "messageId", value: response.messageId } }),
            (error: unknown) => {
              const refused = ConnectError.from(error);
              settle({ sequence: number, outcome: { case: "error", value: { code: refused.code, message: refused.rawMessage } } });
            },
          );
          if (inFlight >= maxPublishesInFlightPerStream) {
            await new Promise<void>((resolve) => {
              space = resolve;
            });
          }
          if (signal.aborted) return;
        }
      }
    } catch (error) {
      readFailure = error;
    } finally {
      reading = false;
      notify();
    }
  };
  void read();
  try {
    for (;;) {
      if (results.length > 0) {
        const out = results;
        results = [];
        yield { results: out };
        continue;
      }
      if (signal.aborted) return;
      if (!reading && inFlight === 0) {
        if (readFailure !== undefined) throw readFailure;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener("abort", notify);
  }
}
