// directServerStream: one server-streaming handler called in-process with the shape of a Connect
// client's stream: an async iterable whose call ends at once with CANCELED when the caller's signal
// aborts (or the consumer stops iterating), and whose errors are ConnectErrors. Used by the direct
// callers of the acceptance suites (Subscribe, Listen).
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { type CallOptions, Code, ConnectError } from "@connectrpc/connect";
import type { CallContext } from "@prism/wire";

/** A server-streaming handler of the lean server, typed by its request and response schemas. */
export type ServerStreamHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<O>>;

/** Runs `call`, turning whatever it throws into a ConnectError, as a Connect client does. */
export async function asConnectError<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ConnectError.from(error);
  }
}

/** What a Connect client throws once its call's signal aborted. */
function canceled(): ConnectError {
  return new ConnectError("the operation was aborted", Code.Canceled);
}

/**
 * One streaming call: runs `handler` with a signal that aborts when the caller's signal does or when the
 * consumer stops iterating. Like a Connect client, an aborted call ends at once with CANCELED, even if the
 * backend were slow to end its stream; the handler still runs its cleanup as it unwinds.
 */
export async function* directServerStream<I extends DescMessage, O extends DescMessage>(
  handler: ServerStreamHandler<I, O>,
  input: I,
  output: O,
  request: MessageInitShape<I>,
  options: CallOptions | undefined,
): AsyncGenerator<MessageShape<O>> {
  const callerSignal = options?.signal;
  const controller = new AbortController();
  const forward = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) forward();
  else callerSignal?.addEventListener("abort", forward, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(canceled());
    else controller.signal.addEventListener("abort", () => reject(canceled()), { once: true });
  });
  aborted.catch(() => undefined);
  const responses = handler(create(input, request), { signal: controller.signal })[Symbol.asyncIterator]();
  try {
    for (;;) {
      const result = await asConnectError(() => Promise.race([responses.next(), aborted]));
      if (controller.signal.aborted) throw canceled();
      if (result.done) return;
      yield create(output, result.value);
    }
  } finally {
    callerSignal?.removeEventListener("abort", forward);
    controller.abort();
    // Not awaited: it completes once the handler's pending step has (the abort above ends it).
    void responses.return?.(undefined)?.catch(() => undefined);
  }
}
