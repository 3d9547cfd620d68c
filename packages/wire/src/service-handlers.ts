// Types of a service implementation served by the lean gRPC server: one async function per
// method, receiving the decoded request message and a small call context.
import type {
  DescMessage,
  DescMethodBiDiStreaming,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";

/**
 * Per-call context given to a handler.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface CallContext {
  /** Aborted when the caller goes away or the deadline passes. */
  readonly signal: AbortSignal;
  /** The caller, when the proxy authenticated the call; undefined on an open proxy. */
  readonly identity?: CallerIdentity | undefined;
  /** The call's W3C trace context (a `traceparent` value), when the caller or the proxy sent one. */
  readonly traceparent?: string | undefined;
}

/**
 * A caller the proxy verified: who, in which groups or roles, with which scopes. Never a token.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface CallerIdentity {
  /** The subject (e.g. the token's `sub`). */
  readonly subject: string;
  /** Groups or roles. */
  readonly groups: readonly string[];
  /** Scopes. */
  readonly scopes: readonly string[];
}

/**
 * A unary handler.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => Promise<MessageInitShape<O>>;

/**
 * A server-streaming handler.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type ServerStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<O>>;

/**
 * A bidi-streaming handler: reads the request messages as they arrive, yields responses.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type BidiStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<O>>;

/**
 * The handler type for one method descriptor.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type MethodHandler<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? UnaryHandler<I, O>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? ServerStreamingHandler<I, O>
      : M extends DescMethodBiDiStreaming<infer I, infer O>
        ? BidiStreamingHandler<I, O>
        : never;

/**
 * A full implementation of a service: every method has a handler.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type ServiceHandlers<S extends DescService> = {
  [K in keyof S["method"]]: MethodHandler<S["method"][K]>;
};
