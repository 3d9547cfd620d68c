// RegistryListener: the delivery channel of a registered identity (a Listen server stream) as an
// async iterable, with a `ready` promise that resolves once the proxy confirmed the listener is in place.
import type { Client } from "@connectrpc/connect";
import type { ListenResponse, RegistryService } from "@prism/proto/registry/v1";
import { type CallDefaults, toConnectCallOptions } from "./call-options.js";
import { InternalError, UnavailableError } from "./errors/error-classes.js";
import { toPrismError } from "./errors/to-prism-error.js";
import { confirmFirstAttempt, type ReattachEvent, reattach } from "./stream-reattach.js";
import { toText } from "./value.js";

/** Options of `listen`. */
export type ListenOptions = {
  /** End the registration when this stream ends (presence: for devices that vanish). Default false. */
  unregisterOnClose?: boolean;
  /** Ends the listener when aborted (leaving the `for await` loop does too). */
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * With several proxy URLs, a listener whose stream fails UNAVAILABLE re-attaches on another proxy (with backoff);
   * this is called each time it did. Multicasts sent while it was detached did not reach it (the gap).
   */
  onReattach?: (event: ReattachEvent) => void;
};

/** A message multicast to a listening identity. */
export interface RegistryDelivery {
  /** Payload bytes. */
  readonly payload: Uint8Array;
  /** Content type as multicast (may be empty). */
  readonly contentType: string;
  /** Metadata as multicast. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Unique per multicast. */
  readonly messageId: string;
  /** When the multicast was sent. */
  readonly sentAt: Date;
  /** The payload decoded as UTF-8. */
  text(): string;
}

/** A listener: iterate it with `for await`; leaving the loop (or close()) ends the Listen stream. */
export interface RegistryListener extends AsyncIterable<RegistryDelivery> {
  /** Resolves once the proxy confirmed the listener (multicasts sent after that reach it); rejects like the stream. */
  readonly ready: Promise<{ identity: string }>;
  /** Ends the listener. */
  close(): void;
}

/** Opens the Listen stream of `identity`. */
export function openRegistryListener(
  client: Client<typeof RegistryService>,
  defaults: CallDefaults,
  identity: string,
  options: ListenOptions,
  reattachStreams = false,
): RegistryListener {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  // A listener is long-lived: no default deadline.
  const callOptions = { ...toConnectCallOptions({ ...defaults, timeoutMs: 0 }, { headers: options.headers }), signal: controller.signal };
  const request = { identity, unregisterOnClose: options.unregisterOnClose ?? false };
  const wrap = (error: unknown) => toPrismError(error, { namespace: defaults.namespace, identity });
  /** Opens a Listen stream: its events and the confirmation. */
  const attach = () => {
    const events = client.listen(request, callOptions)[Symbol.asyncIterator]();
    const confirmed = events.next().then(
      (first) => {
        const event = first.done ? undefined : (first.value as ListenResponse).event;
        if (event?.case !== "listening") throw new InternalError("the proxy did not confirm the listener");
        return { identity: event.value.identity };
      },
      (error: unknown) => {
        throw wrap(error);
      },
    );
    return { events, confirmed };
  };
  /** Opens a stream and waits for its confirmation. */
  const attachConfirmed = async () => {
    const candidate = attach();
    return { events: candidate.events, confirmed: await candidate.confirmed };
  };
  const first = attach();
  let events = first.events;
  // With several endpoints, a first attempt that fails UNAVAILABLE is made again on another one (with backoff).
  const ready = confirmFirstAttempt(first.confirmed, reattachStreams, controller.signal, attachConfirmed, (again) => {
    events = again.events;
    return again.confirmed;
  });

  const close = () => {
    options.signal?.removeEventListener("abort", onAbort);
    controller.abort();
  };

  async function* iterate(): AsyncGenerator<RegistryDelivery> {
    try {
      await ready;
      for (;;) {
        let next: IteratorResult<ListenResponse>;
        try {
          next = await events.next();
        } catch (error) {
          if (controller.signal.aborted) return;
          const failure = wrap(error);
          if (!reattachStreams || !(failure instanceof UnavailableError)) throw failure;
          const again = await reattach(failure, controller.signal, attachConfirmed);
          if (again === undefined) return;
          events = again.stream.events;
          options.onReattach?.({ error: failure, attempts: again.attempts });
          continue;
        }
        if (next.done) return;
        const event = next.value.event;
        if (event.case !== "delivery") continue;
        const delivery = event.value;
        yield {
          payload: delivery.payload,
          contentType: delivery.contentType,
          metadata: delivery.metadata,
          messageId: delivery.messageId,
          sentAt: new Date(Number(delivery.sentAtMs)),
          text: () => toText(delivery.payload),
        };
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      throw error;
    } finally {
      close();
    }
  }

  const iterator = iterate();
  return {
    ready,
    close,
    [Symbol.asyncIterator]: () => iterator,
  };
}
