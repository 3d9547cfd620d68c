// StreamedPublisher: carries pubsub.publish() calls on one PublishStream per namespace client.
// Publishes made in the same turn go out as one request message; each promise settles with its own
// result (message id or error), matched by sequence number. Messages are sent in call order, and a
// replacement stream sends nothing until the previous one has settled, so order per topic is kept.
// The stream ends when nothing waits on it at the end of a turn (so it never holds the process open)
// and is replaced after a minute (the proxy checks the token when a stream opens). A proxy without PublishStream, or a stream refused UNAUTHENTICATED before
// any result, sends the waiting messages as unary Publish calls instead.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { type CallOptions as ConnectCallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";
import type { PublishRequestSchema, PublishStreamRequestSchema, PublishStreamResponse, PubSubService } from "@prism/proto/pubsub/v1";
import { type CallDefaults, toConnectCallOptions } from "./call-options.js";
import { toPrismError } from "./errors/to-prism-error.js";

/** One message to publish. */
export type PublishInit = MessageInitShape<typeof PublishRequestSchema>;

/** Sends one message as a unary Publish call (the fallback path). */
export type UnaryPublish = (request: PublishInit) => Promise<string>;

/** Largest message sent on the stream; larger ones go as unary Publish calls (a refused one fails alone). */
export const maxStreamedMessageBytes = 1024 * 1024;
/** Most bytes (estimated) in one request message of the stream. */
const maxBatchBytes = 512 * 1024;
/** Most messages in one request message of the stream. */
const maxBatchMessages = 1000;
/** A stream older than this takes no new messages (a new one opens, with the current token). */
const maxStreamAgeMs = 60_000;
/** How often waiting messages are checked against their deadlines. */
const deadlineSweepMs = 100;

/** A message queued or sent, and not yet answered. */
interface Waiting {
  readonly request: PublishInit;
  /** Its number on the stream, once sent. */
  sequence?: number;
  /** Set once its promise settled (answered, timed out or aborted): a queued one is then not sent. */
  done: boolean;
  readonly resolve: (messageId: string) => void;
  readonly reject: (error: Error) => void;
  /** Date.now() after which it fails DEADLINE_EXCEEDED (Infinity: none). */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Removes the caller's abort listener. */
  release: () => void;
}

/** Estimated encoded size of a message. */
export function estimatedBytes(request: PublishInit): number {
  let bytes = 16 + (request.topic?.length ?? 0) + (request.payload?.byteLength ?? 0);
  for (const [key, value] of Object.entries(request.metadata ?? {})) bytes += 8 + key.length + value.length;
  return bytes;
}

/** Publishes over PublishStream streams of one namespace client. */
export class StreamedPublisher {
  private current: PublishStreamSession | undefined;
  /** Set once the proxy answered UNIMPLEMENTED: every publish is unary from then on. */
  unsupported = false;

  constructor(
    private readonly client: Client<typeof PubSubService>,
    private readonly defaults: CallDefaults,
    private readonly unary: UnaryPublish,
  ) {}

  /** Publishes `request`; resolves with its message id once the backend accepted it. */
  publish(request: PublishInit, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<string> {
    if (this.unsupported) return this.unary(request);
    let session = this.current;
    if (session === undefined || !session.open || Date.now() - session.openedAt > maxStreamAgeMs) {
      session?.retire();
      session = new PublishStreamSession(this, this.client, this.defaults, session?.settled);
      this.current = session;
    }
    return session.add(request, timeoutMs ?? this.defaults.timeoutMs ?? 0, signal);
  }

  /** Sends `request` as a unary Publish and settles `waiting` with its outcome. */
  sendUnary(waiting: Waiting): void {
    this.unary(waiting.request).then(waiting.resolve, waiting.reject);
  }

  /** Forgets `session` once it stopped taking messages. */
  forget(session: PublishStreamSession): void {
    if (this.current === session) this.current = undefined;
  }
}

/** One PublishStream call and the messages waiting on it. */
class PublishStreamSession {
  readonly openedAt = Date.now();
  /** Takes new messages until retired, idle-closed or failed. */
  open = true;
  /** Resolves when every message of this stream has settled. */
  readonly settled: Promise<void>;
  private markSettled: () => void = () => {};
  private readonly queue: Waiting[] = [];
  /** Sent messages by sequence number. */
  private readonly waiting = new Map<number, Waiting>();
  private nextSequence = 0;
  private answered = 0;
  private wake: (() => void) | undefined;
  private idleTimer: ReturnType<typeof setImmediate> | undefined;
  private deadlineTimer: ReturnType<typeof setInterval> | undefined;
  private readonly controller = new AbortController();

  constructor(
    private readonly owner: StreamedPublisher,
    client: Client<typeof PubSubService>,
    private readonly defaults: CallDefaults,
    previous: Promise<void> | undefined,
  ) {
    this.settled = new Promise((resolve) => {
      this.markSettled = resolve;
    });
    // A stream lives long: no deadline on the call itself, each message has its own.
    const options: ConnectCallOptions = {
      ...toConnectCallOptions({ ...defaults, timeoutMs: 0 }, undefined),
      signal: this.controller.signal,
    };
    const responses = client.publishStream(this.requests(previous), options);
    void this.read(responses);
  }

  /** Queues `request` for the next batch. */
  add(request: PublishInit, timeoutMs: number, signal: AbortSignal | undefined): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (signal?.aborted) {
        reject(toPrismError(signal.reason, { namespace: this.defaults.namespace }));
        return;
      }
      const entry: Waiting = {
        request,
        done: false,
        resolve,
        reject,
        deadline: timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY,
        timeoutMs,
        release: noop,
      };
      if (signal !== undefined) {
        const onAbort = () => this.fail(entry, toPrismError(signal.reason, { namespace: this.defaults.namespace }));
        signal.addEventListener("abort", onAbort, { once: true });
        entry.release = () => signal.removeEventListener("abort", onAbort);
      }
      this.queue.push(entry);
      if (timeoutMs > 0 && this.deadlineTimer === undefined) {
        this.deadlineTimer = setInterval(() => this.sweepDeadlines(), deadlineSweepMs);
        this.deadlineTimer.unref?.();
      }
      if (this.idleTimer !== undefined) {
        clearImmediate(this.idleTimer);
        this.idleTimer = undefined;
      }
      this.notify();
    });
  }

  /** Stops taking messages; the stream ends once the queued ones are sent and answered. */
  retire(): void {
    if (!this.open) return;
    this.open = false;
    this.owner.forget(this);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The request messages: the queue in batches, as it fills; ends when retired and empty. */
  private async *requests(previous: Promise<void> | undefined): AsyncIterable<MessageInitShape<typeof PublishStreamRequestSchema>> {
    if (previous !== undefined) await previous;
    for (;;) {
      if (this.queue.length > 0) {
        const messages: PublishInit[] = [];
        let bytes = 0;
        let taken = 0;
        while (taken < this.queue.length && messages.length < maxBatchMessages) {
          const next = this.queue[taken] as Waiting;
          if (!next.done) {
            // (one that timed out or was aborted before it was sent is dropped)
            const size = estimatedBytes(next.request);
            if (messages.length > 0 && bytes + size > maxBatchBytes) break;
            next.sequence = this.nextSequence++;
            this.waiting.set(next.sequence, next);
            messages.push(next.request);
            bytes += size;
          }
          taken++;
        }
        this.queue.splice(0, taken);
        if (messages.length > 0) yield { messages };
        else this.idleCheck();
        continue;
      }
      if (!this.open || this.controller.signal.aborted) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Settles messages as results come; when the stream ends, settles the rest. */
  private async read(responses: AsyncIterable<PublishStreamResponse>): Promise<void> {
    let failure: unknown;
    try {
      for await (const response of responses) {
        for (const result of response.results) {
          this.answered++;
          const entry = this.waiting.get(Number(result.sequence));
          if (entry === undefined) continue;
          const outcome = result.outcome;
          if (outcome.case === "messageId") this.succeed(entry, outcome.value);
          else {
            const code = outcome.case === "error" && outcome.value.code in Code ? (outcome.value.code as Code) : Code.Unknown;
            const error = new ConnectError(
              outcome.case === "error" ? outcome.value.message : "the proxy gave no outcome for this message",
              code,
            );
            this.fail(entry, toPrismError(error, { namespace: this.defaults.namespace }));
          }
        }
        this.idleCheck();
      }
    } catch (error) {
      failure = error;
    }
    this.finish(failure);
  }

  /** The stream ended: waiting messages are resent unary (stream refused as a whole) or fail. */
  private finish(failure: unknown): void {
    this.open = false;
    this.owner.forget(this);
    if (this.deadlineTimer !== undefined) clearInterval(this.deadlineTimer);
    if (this.idleTimer !== undefined) clearImmediate(this.idleTimer);
    const code = failure instanceof ConnectError ? failure.code : undefined;
    const resend = this.answered === 0 && (code === Code.Unimplemented || code === Code.Unauthenticated);
    if (code === Code.Unimplemented && this.answered === 0) this.owner.unsupported = true;
    const left = [...this.waiting.values(), ...this.queue].filter((entry) => !entry.done);
    this.waiting.clear();
    this.queue.length = 0;
    for (const entry of left) {
      entry.done = true;
      entry.release();
      if (resend) this.owner.sendUnary(entry);
      else if (failure !== undefined) entry.reject(toPrismError(failure, { namespace: this.defaults.namespace }));
      else {
        const error = new ConnectError("the publish stream ended without a result for this message", Code.Unavailable);
        entry.reject(toPrismError(error, { namespace: this.defaults.namespace }));
      }
    }
    this.markSettled();
  }

  private succeed(entry: Waiting, messageId: string): void {
    const late = entry.done; // timed out or aborted: its promise has settled already
    this.settle(entry);
    if (!late) entry.resolve(messageId);
  }

  private fail(entry: Waiting, error: Error): void {
    if (entry.done) return;
    this.settle(entry);
    entry.reject(error);
    this.idleCheck();
  }

  /** Marks `entry` settled (its result, if it comes later, is ignored). */
  private settle(entry: Waiting): void {
    if (entry.sequence !== undefined) this.waiting.delete(entry.sequence);
    if (entry.done) return;
    entry.done = true;
    entry.release();
  }

  /** Fails messages past their deadline (the message may still be published, as with a unary call that timed out). */
  private sweepDeadlines(): void {
    const now = Date.now();
    for (const entry of [...this.waiting.values(), ...this.queue]) {
      if (entry.deadline <= now && !entry.done) {
        this.fail(
          entry,
          toPrismError(new ConnectError(`publish did not complete within ${entry.timeoutMs} ms`, Code.DeadlineExceeded), {
            namespace: this.defaults.namespace,
          }),
        );
      }
    }
    if (this.waiting.size === 0 && this.queue.length === 0 && this.deadlineTimer !== undefined) {
      clearInterval(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
  }

  /**
   * With nothing waiting, the stream ends once this turn is over: an open stream would hold the
   * process open, and a caller publishing again from the settled promise (a sequential loop) does
   * so within the turn, so it keeps using this stream.
   */
  private idleCheck(): void {
    if (this.waiting.size > 0 || this.queue.some((entry) => !entry.done) || !this.open || this.idleTimer !== undefined) return;
    this.idleTimer = setImmediate(() => {
      this.idleTimer = undefined;
      if (this.waiting.size === 0 && this.queue.length === 0) this.retire();
    });
  }
}

function noop(): void {}
