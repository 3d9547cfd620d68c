// createEndpointPoolTransport: one Connect Transport over several proxies (one transport per endpoint).
// Calls go round robin over the healthy endpoints; an endpoint whose call fails UNAVAILABLE (connection
// refused or reset surface as UNAVAILABLE too) is avoided for a while, longer while it keeps failing.
// Idempotent unary calls are retried once on another endpoint; the others fail with the error.
// createResolvedEndpointPoolTransport is the same pool over URLs a resolver finds (DNS, service
// discovery): resolved before the first call and again every refreshMs, keeping the endpoints (and
// their connections and health) of URLs that stay.
import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
  createContextKey,
} from "@connectrpc/connect";

/**
 * Unary methods retried once on another endpoint after UNAVAILABLE: they only read, so running one twice is
 * harmless. Everything else (writes, acks, streams) fails with the error instead.
 */
export const idempotentMethods: ReadonlySet<string> = new Set([
  "prism.keyvalue.v1.KeyValueService/Get",
  "prism.keyvalue.v1.KeyValueService/Exists",
  "prism.keyvalue.v1.KeyValueService/Scan",
  "prism.keyvalue.v1.KeyValueService/BatchGet",
  "prism.registry.v1.RegistryService/Get",
  "prism.registry.v1.RegistryService/Enumerate",
  "prism.admin.v1.AdminService/ListNamespaces",
  "prism.admin.v1.AdminService/GetNamespace",
  "prism.admin.v1.AdminService/GetStatus",
]);

/** How long endpoints that fail are avoided. */
export type EndpointPoolOptions = {
  /** First avoidance after an UNAVAILABLE failure, in milliseconds (default 5000). */
  avoidMs?: number;
  /** Longest avoidance (the time doubles while the endpoint keeps failing), in milliseconds (default 60000). */
  maxAvoidMs?: number;
  /** Clock, for tests. */
  now?: () => number;
};

/**
 * Pins calls to one endpoint: a call whose context values carry a pin with no endpoint yet records the endpoint
 * it went to; a call whose pin has one goes there (and is never retried elsewhere). Subscribe and its acks share one.
 */
export type EndpointPin = { endpoint?: unknown };

/** Context key of the endpoint pin (ignored by single-endpoint transports). */
export const endpointPinKey = createContextKey<EndpointPin | undefined>(undefined, { description: "prism endpoint pin" });

/** One endpoint and its health. */
class Endpoint {
  /** Consecutive UNAVAILABLE failures. */
  failures = 0;
  /** Avoided until this time (ms since epoch); 0 = healthy. */
  avoidUntil = 0;
  /** When the current run of failures started. */
  downSince = 0;
  constructor(
    readonly url: string,
    readonly transport: Transport,
  ) {}
}

/** Whether `error` says the endpoint could not serve (UNAVAILABLE, including refused or reset connections). */
function isUnavailable(error: unknown): boolean {
  return error instanceof ConnectError ? error.code === Code.Unavailable : ConnectError.from(error).code === Code.Unavailable;
}

/**
 * The error as the pool reports it: a CANCELLED the caller did not ask for is a lost connection (connect-node
 * reports an HTTP/2 stream reset by a dying connection so), reported as UNAVAILABLE as the lean transport does.
 */
function lostConnectionAsUnavailable(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted === true) return error;
  const connectError = ConnectError.from(error);
  if (connectError.code !== Code.Canceled) return error;
  return new ConnectError(
    `the connection to the proxy was lost: ${connectError.rawMessage}`,
    Code.Unavailable,
    connectError.metadata,
    undefined,
    error,
  );
}

/** Finds the URLs of the proxies (DNS, service discovery, a config service); see createResolvedEndpointPoolTransport. */
export type UrlResolver = () => Promise<readonly string[]> | readonly string[];

/** Options of a pool over resolved URLs. */
export type ResolvedEndpointPoolOptions = EndpointPoolOptions & {
  /** How often the URLs are resolved again, in milliseconds (default 30000); a call after that refreshes them in the background. */
  refreshMs?: number;
};

/** A Transport over several endpoints; see the file comment. */
export function createEndpointPoolTransport(
  endpoints: ReadonlyArray<{ url: string; transport: Transport }>,
  options: EndpointPoolOptions = {},
): Transport {
  if (endpoints.length === 0) throw new Error("an endpoint pool needs at least one endpoint");
  const pool = endpoints.map(({ url, transport }) => new Endpoint(url, transport));
  return poolTransport(() => pool, options);
}

/**
 * A Transport over the URLs `resolve` finds, each reached through `transportFor(url)`: resolved before the first call
 * (a call waits for it, and fails UNAVAILABLE naming the reason when it fails or finds nothing) and again in the
 * background once `refreshMs` has passed or every endpoint is avoided. A failed or empty refresh keeps the last URLs.
 */
export function createResolvedEndpointPoolTransport(
  resolve: UrlResolver,
  transportFor: (url: string) => Transport,
  options: ResolvedEndpointPoolOptions = {},
): Transport {
  const refreshMs = options.refreshMs ?? 30_000;
  const now = options.now ?? Date.now;
  let pool: Endpoint[] = [];
  let resolvedAt = Number.NEGATIVE_INFINITY;
  let resolving: Promise<void> | undefined;
  let lastError: unknown;

  const refresh = (): Promise<void> => {
    resolving ??= (async () => {
      try {
        const urls: unknown[] = [...new Set(await resolve())];
        if (urls.length === 0 || urls.some((url) => typeof url !== "string" || url === "")) {
          throw new Error(`the URL resolver returned ${urls.length === 0 ? "no URL" : "an empty or non-string URL"}`);
        }
        const kept = new Map(pool.map((endpoint) => [endpoint.url, endpoint]));
        pool = (urls as string[]).map((url) => kept.get(url) ?? new Endpoint(url, transportFor(url)));
        lastError = undefined;
      } catch (error) {
        lastError = error;
      } finally {
        resolvedAt = now();
        resolving = undefined;
      }
    })();
    return resolving;
  };
  const current = async (): Promise<Endpoint[]> => {
    if (pool.length === 0) await refresh();
    else if (now() - resolvedAt >= refreshMs || pool.every((endpoint) => endpoint.avoidUntil > now())) void refresh();
    if (pool.length === 0) {
      const why = lastError instanceof Error ? lastError.message : String(lastError);
      throw new ConnectError(`no proxy URL to call: resolving the proxy URLs failed: ${why}`, Code.Unavailable);
    }
    return pool;
  };
  return poolTransport(current, options);
}

/** The pool's calls over the endpoints `current` gives (the same array while nothing changed). */
function poolTransport(current: () => Endpoint[] | Promise<Endpoint[]>, options: EndpointPoolOptions): Transport {
  const avoidMs = options.avoidMs ?? 5_000;
  const maxAvoidMs = options.maxAvoidMs ?? 60_000;
  const now = options.now ?? Date.now;
  let pool: Endpoint[] = [];
  let cursor = 0;

  /** The next healthy endpoint other than `exclude`, round robin; if none, the one avoided longest. */
  const pick = (exclude?: Endpoint): Endpoint => {
    const time = now();
    for (let step = 0; step < pool.length; step++) {
      const index = (cursor + step) % pool.length;
      const endpoint = pool[index] as Endpoint;
      if (endpoint !== exclude && endpoint.avoidUntil <= time) {
        cursor = (index + 1) % pool.length;
        return endpoint;
      }
    }
    const candidates = pool.length > 1 && exclude !== undefined ? pool.filter((endpoint) => endpoint !== exclude) : pool;
    return candidates.reduce((best, endpoint) => (endpoint.downSince < best.downSince ? endpoint : best));
  };
  const markDown = (endpoint: Endpoint) => {
    const time = now();
    if (endpoint.failures === 0) endpoint.downSince = time;
    endpoint.failures++;
    endpoint.avoidUntil = time + Math.min(avoidMs * 2 ** Math.min(endpoint.failures - 1, 30), maxAvoidMs);
  };
  const markUp = (endpoint: Endpoint) => {
    endpoint.failures = 0;
    endpoint.avoidUntil = 0;
  };
  /** The endpoint a call goes to: its pin's, or the next one (recorded in the pin when there is one). */
  const choose = (contextValues: ContextValues | undefined): { endpoint: Endpoint; pinned: boolean } => {
    const pin = contextValues?.get(endpointPinKey);
    if (pin?.endpoint instanceof Endpoint && pool.includes(pin.endpoint)) return { endpoint: pin.endpoint, pinned: true };
    const endpoint = pick();
    if (pin !== undefined) pin.endpoint = endpoint;
    return { endpoint, pinned: pin !== undefined };
  };

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const started = now();
      const endpoints = current();
      pool = Array.isArray(endpoints) ? endpoints : await endpoints;
      const { endpoint, pinned } = choose(contextValues);
      try {
        const response = await endpoint.transport.unary(method, signal, timeoutMs, copy(header), input, contextValues);
        markUp(endpoint);
        return response;
      } catch (thrown) {
        const error = lostConnectionAsUnavailable(thrown, signal);
        if (!isUnavailable(error)) throw error;
        markDown(endpoint);
        const retry =
          !pinned && pool.length > 1 && signal?.aborted !== true && idempotentMethods.has(`${method.parent.typeName}/${method.name}`);
        // The retry gets what is left of the deadline.
        const limited = timeoutMs !== undefined && timeoutMs > 0;
        const remaining = limited ? timeoutMs - (now() - started) : timeoutMs;
        if (!retry || (limited && (remaining ?? 0) <= 0)) throw error;
        const other = pick(endpoint);
        try {
          const response = await other.transport.unary(method, signal, remaining, copy(header), input, contextValues);
          markUp(other);
          return response;
        } catch (thrownAgain) {
          const second = lostConnectionAsUnavailable(thrownAgain, signal);
          if (isUnavailable(second)) markDown(other);
          throw second;
        }
      }
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const endpoints = current();
      pool = Array.isArray(endpoints) ? endpoints : await endpoints;
      const { endpoint } = choose(contextValues);
      let response: StreamResponse<I, O>;
      try {
        response = await endpoint.transport.stream(method, signal, timeoutMs, copy(header), input, contextValues);
      } catch (thrown) {
        const error = lostConnectionAsUnavailable(thrown, signal);
        if (isUnavailable(error)) markDown(endpoint);
        throw error;
      }
      return { ...response, message: watched(response.message, endpoint, signal) };
    },
  };

  /** The response messages, marking the endpoint up on the first one and down when they fail UNAVAILABLE. */
  async function* watched<T>(messages: AsyncIterable<T>, endpoint: Endpoint, signal: AbortSignal | undefined): AsyncGenerator<T> {
    let first = true;
    try {
      for await (const message of messages) {
        if (first) {
          first = false;
          markUp(endpoint);
        }
        yield message;
      }
    } catch (thrown) {
      const error = lostConnectionAsUnavailable(thrown, signal);
      if (isUnavailable(error)) markDown(endpoint);
      throw error;
    }
  }
}

/** A fresh copy of the request headers for each attempt (a transport may change the ones it is given). */
function copy(header: HeadersInit | undefined): Headers | undefined {
  return header === undefined ? undefined : new Headers(header);
}
