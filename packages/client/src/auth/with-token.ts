// withToken: wraps a Connect transport so every call carries `authorization: Bearer <token>`, and a call the
// proxy refuses with UNAUTHENTICATED is tried once more with a token the provider was told to renew.
import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { Code, type ContextValues, ConnectError, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { InvalidArgumentError, UnauthenticatedError } from "../errors/error-classes.js";
import { PrismError } from "../errors/prism-error.js";
import type { PrismToken, TokenProvider } from "./token-provider.js";

/** Request header that carries the bearer token. */
export const authorizationHeader = "authorization";

/** What a bearer token may hold: visible ASCII, no spaces (RFC 6750 b64token is a subset). */
const tokenPattern = /^[\x21-\x7e]+$/;

/**
 * Returns a transport that sends `authorization: Bearer <token>` on every call over `transport`, replacing any
 * authorization header the caller set. With a provider, it is called once per call; when the proxy answers
 * UNAUTHENTICATED it is called once more with `{ refresh: true }` and the call is retried once (a unary call;
 * a server stream when it failed before its first message). Client and bidi streams are not retried.
 */
export function withToken(transport: Transport, token: PrismToken): Transport {
  if (typeof token === "string") return withFixedToken(transport, token);
  if (typeof token !== "function") throw new InvalidArgumentError("token must be a string or a function returning a promise of one");
  return withTokenProvider(transport, token);
}

/** Sends one fixed token; a refused token is not retried (it would be refused again). */
function withFixedToken(transport: Transport, token: string): Transport {
  const bearer = bearerOf(token, (problem) => new InvalidArgumentError(`token ${problem}`));
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(method, signal, timeoutMs, withAuthorization(header, bearer), input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(method, signal, timeoutMs, withAuthorization(header, bearer), input, contextValues),
  };
}

/** Asks `provider` for the token of every call, and renews it once on UNAUTHENTICATED. */
function withTokenProvider(transport: Transport, provider: TokenProvider): Transport {
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const deadline = deadlineOf(timeoutMs);
      const attempt = async (refresh: boolean) => {
        const bearer = await bearerFrom(provider, refresh, signal, deadline);
        return transport.unary(method, signal, remaining(timeoutMs, deadline), withAuthorization(header, bearer), input, contextValues);
      };
      try {
        return await attempt(false);
      } catch (error) {
        if (!isUnauthenticated(error)) throw error;
      }
      return attempt(true);
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const deadline = deadlineOf(timeoutMs);
      if (method.methodKind !== "server_streaming") {
        // The request messages of a client or bidi stream cannot be sent twice: no retry.
        const bearer = await bearerFrom(provider, false, signal, deadline);
        return transport.stream(method, signal, remaining(timeoutMs, deadline), withAuthorization(header, bearer), input, contextValues);
      }
      // A server stream has exactly one request message: keep it so the stream can be opened again.
      const requests: MessageInitShape<I>[] = [];
      for await (const request of input) requests.push(request);
      const open = async (refresh: boolean) => {
        const bearer = await bearerFrom(provider, refresh, signal, deadline);
        return transport.stream(
          method,
          signal,
          remaining(timeoutMs, deadline),
          withAuthorization(header, bearer),
          replay(requests),
          contextValues,
        );
      };
      let retried = false;
      let current: StreamResponse<I, O>;
      try {
        current = await open(false);
      } catch (error) {
        if (!isUnauthenticated(error)) throw error;
        retried = true;
        current = await open(true);
      }
      async function* relay(): AsyncGenerator<MessageShape<O>> {
        let received = false;
        for (;;) {
          try {
            for await (const message of current.message) {
              received = true;
              yield message;
            }
            return;
          } catch (error) {
            if (received || retried || !isUnauthenticated(error)) throw error;
            retried = true;
            current = await open(true);
          }
        }
      }
      return {
        stream: true,
        service: current.service,
        method: current.method,
        get header() {
          return current.header;
        },
        get trailer() {
          return current.trailer;
        },
        message: relay(),
      };
    },
  };
}

/** Whether a call failed because the proxy did not accept the token. */
function isUnauthenticated(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.Unauthenticated;
}

/** The request headers with the authorization header set to `bearer` (whatever the caller set). */
function withAuthorization(header: HeadersInit | undefined, bearer: string): Headers {
  const headers = new Headers(header);
  headers.set(authorizationHeader, bearer);
  return headers;
}

/** `Bearer <token>` after checking the token can travel in a header; `fail` builds the error (never showing the token). */
function bearerOf(token: unknown, fail: (problem: string) => PrismError): string {
  if (typeof token !== "string" || token === "") throw fail("is empty or not a string");
  if (/^bearer\s/i.test(token)) throw fail('must be the bare token, without the "Bearer " prefix');
  if (!tokenPattern.test(token)) throw fail("holds characters a header cannot carry (spaces, control or non-ASCII characters)");
  return `Bearer ${token}`;
}

/** Asks the provider for a token (within the call's deadline and cancellation) and returns its header value. */
async function bearerFrom(provider: TokenProvider, refresh: boolean, signal: AbortSignal | undefined, deadline: number | undefined) {
  let token: unknown;
  try {
    token = await bounded(provider({ refresh }), signal, deadline);
  } catch (error) {
    if (error instanceof PrismError || error instanceof ConnectError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnauthenticatedError(`the token provider failed: ${reason}`, { cause: error });
  }
  return bearerOf(token, (problem) => new UnauthenticatedError(`the token provider returned a token that ${problem}`));
}

/** Settles like `promise`, or rejects with CANCELLED when `signal` aborts or DEADLINE_EXCEEDED at `deadline`. */
function bounded<T>(promise: Promise<T>, signal: AbortSignal | undefined, deadline: number | undefined): Promise<T> {
  if (signal === undefined && deadline === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      finish();
      reject(new ConnectError("the call was cancelled while waiting for a token", Code.Canceled, undefined, undefined, signal?.reason));
    };
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => {
              finish();
              reject(new ConnectError("the deadline passed while waiting for a token", Code.DeadlineExceeded));
            },
            Math.max(0, deadline - Date.now()),
          );
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}

/** When a call with `timeoutMs` must end (undefined: no deadline of ours; the transport decides). */
function deadlineOf(timeoutMs: number | undefined): number | undefined {
  return timeoutMs === undefined || timeoutMs <= 0 ? undefined : Date.now() + timeoutMs;
}

/** The timeout to hand the transport now: what is left of the deadline (at least 1 ms), or the caller's value. */
function remaining(timeoutMs: number | undefined, deadline: number | undefined): number | undefined {
  return deadline === undefined ? timeoutMs : Math.max(1, deadline - Date.now());
}

/** An async iterable over `items` that can be iterated more than once. */
async function* replay<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
