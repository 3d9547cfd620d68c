// RequestStream: the request messages of a bidi-streaming call as an async iterable, decoded as
// their frames arrive on the HTTP/2 stream. Each message is bounded by the call's request limit,
// buffered bytes count against the host's byte budget until the handler takes the message, and
// reading pauses (HTTP/2 flow control then holds the sender) while the handler is behind.
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ServerHttp2Stream } from "node:http2";
import type { ByteBudget } from "./byte-budget.js";
import { decodeRequest } from "./decode-request.js";
import { FrameReader, frameHeaderBytes } from "./grpc-frame.js";

/** Decoded messages waiting for the handler before reading pauses. */
const highWaterMessages = 256;

/**
 * Bounds of one request stream.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface RequestStreamBounds {
  /** Largest single request message. */
  readonly maxMessageBytes: number;
  /** Request bytes buffered across calls and per client (optional). */
  readonly buffered?: ByteBudget | undefined;
  /** Told of a message refused for a bound (status message, client address). */
  readonly onRefused?: ((message: string, client: string) => void) | undefined;
  /** Called once with the error that ended the request stream early (a bound, a bad message). */
  readonly onFailure: (error: ConnectError) => void;
}

/**
 * The request messages of one streaming call, in arrival order; iterate once.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export class RequestStream<I extends DescMessage> implements AsyncIterable<MessageShape<I>> {
  private readonly reader = new FrameReader();
  private readonly queue: { message: MessageShape<I>; bytes: number }[] = [];
  private head = 0;
  private ended = false;
  private failure: ConnectError | undefined;
  private wake: (() => void) | undefined;
  /** Bytes taken from the budget and not yet given back. */
  private held = 0;
  private readonly client: string;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly schema: I,
    private readonly bounds: RequestStreamBounds,
  ) {
    this.client = bounds.buffered ? (stream.session?.socket?.remoteAddress ?? "") : "";
    stream.on("data", (chunk: Buffer) => this.receive(chunk));
    // A reset also emits "end" first (then "aborted" and "close"): judged after the turn, so a
    // caller that went away is seen as gone (the call's signal aborted), not as done sending.
    stream.once("end", () => setImmediate(() => this.finish()));
    stream.once("close", () => this.finish());
  }

  /** Bytes a received chunk adds, checked against every bound; decodes the messages it completes. */
  private receive(chunk: Buffer): void {
    if (this.ended) return;
    const budget = this.bounds.buffered;
    if (budget) {
      if (!budget.tryTake(chunk.byteLength, this.client)) {
        this.refuse(`${budget.refusal(chunk.byteLength, this.client)}; retry shortly`);
        return;
      }
      this.held += chunk.byteLength;
    }
    const frames = this.reader.push(chunk);
    for (const bytes of frames) {
      if (bytes.byteLength > this.bounds.maxMessageBytes) {
        this.refuse(`request message over ${this.bounds.maxMessageBytes} bytes, the largest accepted here`);
        return;
      }
      let message: MessageShape<I>;
      try {
        message = decodeRequest(this.schema, bytes);
      } catch (error) {
        this.fail(error as ConnectError);
        return;
      }
      this.queue.push({ message, bytes: frameHeaderBytes + bytes.byteLength });
    }
    if (this.reader.compressed) {
      this.fail(new ConnectError("compressed request messages are not supported; send uncompressed", Code.Unimplemented));
      return;
    }
    if (this.reader.pendingMessageLength > this.bounds.maxMessageBytes) {
      this.refuse(`request message over ${this.bounds.maxMessageBytes} bytes, the largest accepted here`);
      return;
    }
    if (this.queue.length - this.head >= highWaterMessages) this.stream.pause();
    this.notify();
  }

  private refuse(message: string): void {
    this.bounds.onRefused?.(message, this.client);
    this.fail(new ConnectError(message, Code.ResourceExhausted));
  }

  private fail(error: ConnectError): void {
    if (this.ended) return;
    this.failure = error;
    this.finish();
    this.bounds.onFailure(error);
  }

  /** No more messages: the caller ended its side, went away, or the stream failed. */
  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.stream.pause();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Gives every buffered byte back to the budget (the call has ended). */
  release(): void {
    if (this.held > 0) this.bounds.buffered?.give(this.held, this.client);
    this.held = 0;
    this.queue.length = 0;
    this.head = 0;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MessageShape<I>> {
    for (;;) {
      if (this.head < this.queue.length) {
        const next = this.queue[this.head] as { message: MessageShape<I>; bytes: number };
        this.head++;
        if (this.head === this.queue.length) {
          this.queue.length = 0;
          this.head = 0;
        }
        if (this.bounds.buffered && this.held > 0) {
          const bytes = Math.min(next.bytes, this.held);
          this.bounds.buffered.give(bytes, this.client);
          this.held -= bytes;
        }
        if (!this.ended && this.stream.isPaused() && this.queue.length - this.head < highWaterMessages / 2) this.stream.resume();
        yield next.message;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}
