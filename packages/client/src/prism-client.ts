// createPrismClient: the entry point; builds the transport once and hands out per-namespace API clients
// (and the proxy's admin API).
import { createTracingInterceptor } from "./tracing/tracing-interceptor.js";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createDefaultTransport, streamsRequests } from "#default-transport";
import type { PrismToken } from "./auth/token-provider.js";
import { withToken } from "./auth/with-token.js";
import { type AdminClient, createAdminClient } from "./admin-client.js";
import { InvalidArgumentError } from "./errors/error-classes.js";
import { type KeyValueClient, createKeyValueClient } from "./keyvalue-client.js";
import { type PubSubClient, createPubSubClient } from "./pubsub-client.js";
import { type RegistryClient, createRegistryClient } from "./registry-client.js";
import { type FilterLimits, resolveFilterLimits } from "./registry-filter/filter-limits.js";
import {
  createEndpointPoolTransport,
  createResolvedEndpointPoolTransport,
  type EndpointPoolOptions,
  type UrlResolver,
} from "./transport/endpoint-pool.js";
import type { NodeGrpcTransport, PrismProtocol } from "./transport/transport-options.js";

/** What the proxy accepts as a namespace name (anything else would be refused, or, with a control character, dropped on the way). */
const namespacePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Namespace used when none is given (the proxy's own default too). */
export const defaultNamespace = "default";

/** Per-call deadline used when none is given, in milliseconds. */
export const defaultTimeoutMs = 10_000;

/** Options of createPrismClient: where the proxy is (url or a ready transport) and call defaults. */
export type PrismClientOptions = {
  /** Namespace for every call (default "default"); see also withNamespace. */
  namespace?: string;
  /** Wire protocol: "grpc" (Node default), "grpc-web" or "connect" (browser default). */
  protocol?: PrismProtocol;
  /** HTTP version for "connect" and "grpc-web" on Node (default "1.1"). */
  httpVersion?: "1.1" | "2";
  /**
   * Node only: what carries protocol "grpc": "lean" (default; Prism's node:http2 transport, several times faster)
   * or "connect" (connect-node's gRPC transport, which also does client and bidi streams). Browsers ignore it.
   */
  nodeTransport?: NodeGrpcTransport;
  /** Connect interceptors run on every call, on any protocol and transport (ignored when a transport is given). */
  interceptors?: Interceptor[];
  /**
   * Starts an OpenTelemetry CLIENT span per call and sends its traceparent, when the optional peer
   * @opentelemetry/api is installed and the application registered a tracer provider (ignored when a transport is given).
   */
  tracing?: boolean;
  /** Headers sent with every call; with `token` set, its authorization header replaces any given here. */
  headers?: Record<string, string>;
  /**
   * Bearer token sent as `authorization: Bearer <token>` on every call: a string, or a provider called once per
   * call (it should cache) and once more with `{ refresh: true }` when the proxy answers UNAUTHENTICATED.
   */
  token?: PrismToken;
  /** Default per-call deadline in milliseconds (default 10000); 0 = no deadline. */
  timeoutMs?: number;
  /**
   * Bounds registry filters (JSON and string forms) are checked against before they are sent: by default the
   * server's default limits (depth 5, 20 conditions). Raise them when the namespace's limits are raised; the
   * server checks its own limits whatever the client did.
   */
  registryFilterLimits?: Partial<FilterLimits>;
  /**
   * Carry pubsub.publish() calls on one PublishStream per namespace (default: true with protocol "grpc" on the
   * default transport, which can stream requests; false otherwise). Each promise still settles with its own
   * message's result; false sends one Publish call per message.
   */
  publishStream?: boolean;
  /**
   * With several URLs: how long an endpoint whose call failed UNAVAILABLE is avoided (default 5 s, doubling while it
   * keeps failing, up to 60 s). Ignored with one URL.
   */
  endpointAvoidance?: Pick<EndpointPoolOptions, "avoidMs" | "maxAvoidMs">;
  /** With a `url` resolver function: how often it is called again, in milliseconds (default 30000). */
  urlRefreshMs?: number;
} & (
  | {
      /**
       * Base URL of the proxy, e.g. "http://127.0.0.1:8980"; or the URLs of several proxies: calls then go round
       * robin over the healthy ones, reads are retried once on another after UNAVAILABLE, and subscriptions and
       * registry listeners re-attach elsewhere (see "Several proxies" in the README); or a function that finds
       * those URLs (DNS, service discovery), called before the first call and every `urlRefreshMs`.
       */
      url: string | readonly string[] | UrlResolver;
      /** A ready Connect transport; overrides url, protocol and httpVersion. */
      transport?: Transport;
    }
  | {
      /** Ignored when a transport is given. */
      url?: string | readonly string[] | UrlResolver;
      /** A ready Connect transport; overrides url, protocol and httpVersion. */
      transport: Transport;
    }
);

/** A connection to a Prism proxy, bound to one namespace. */
export type PrismClient = {
  /** The KeyValue API of this namespace. */
  readonly kv: KeyValueClient;
  /** The PubSub API of this namespace. */
  readonly pubsub: PubSubClient;
  /** The Multicast Registry API of this namespace. */
  readonly registry: RegistryClient;
  /** The proxy's admin API (namespaces live, status); needs the proxy-level admin permission. */
  readonly admin: AdminClient;
  /** The namespace every call goes to. */
  readonly namespace: string;
  /** Returns a client for another namespace that shares this one's transport and settings. */
  withNamespace(namespace: string): PrismClient;
};

/** Creates a Prism client; the transport (and its connection) is shared by all withNamespace clients. */
export function createPrismClient(options: PrismClientOptions): PrismClient {
  const base = options.transport ?? transportFor(options);
  // Streams re-attach on another endpoint only when there is another endpoint to go to.
  const reattach =
    options.transport === undefined && ((Array.isArray(options.url) && options.url.length > 1) || typeof options.url === "function");
  const transport = options.token === undefined ? base : withToken(base, options.token);
  const settings = { headers: { ...options.headers }, timeoutMs: options.timeoutMs ?? defaultTimeoutMs };
  // Resolved (and checked) once here, so a bad limit fails at creation rather than at the first registry call.
  const apiOptions: ApiOptions = {
    filterLimits: resolveFilterLimits(options.registryFilterLimits),
    publishStream: options.publishStream ?? (options.transport === undefined && streamsRequests(options)),
    reattach,
  };
  return bind(transport, settings, options.namespace ?? defaultNamespace, apiOptions);
}

/**
 * Creates the default transport for this runtime from url, protocol, httpVersion and nodeTransport: one URL is one
 * transport (no pool in the way); several are one transport each behind an endpoint pool.
 */
function transportFor(options: PrismClientOptions): Transport {
  const { url } = options;
  if (typeof url === "function") {
    const poolOptions = {
      ...options.endpointAvoidance,
      ...(options.urlRefreshMs === undefined ? {} : { refreshMs: options.urlRefreshMs }),
    };
    return createResolvedEndpointPoolTransport(url, (resolved) => endpointTransport(resolved, options), poolOptions);
  }
  const urls: readonly unknown[] = Array.isArray(url) ? url : [url];
  if (urls.length === 0 || urls.some((url) => typeof url !== "string" || url === "")) {
    throw new InvalidArgumentError("url is required unless a transport is given: a URL or a non-empty array of URLs");
  }
  const endpoints = (urls as string[]).map((url) => ({ url, transport: endpointTransport(url, options) }));
  if (endpoints.length === 1) return (endpoints[0] as { transport: Transport }).transport;
  return createEndpointPoolTransport(endpoints, options.endpointAvoidance);
}

/** The default transport to one URL. */
function endpointTransport(url: string, options: PrismClientOptions): Transport {
  return createDefaultTransport({
    url,
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    ...(options.httpVersion === undefined ? {} : { httpVersion: options.httpVersion }),
    ...(options.nodeTransport === undefined ? {} : { nodeTransport: options.nodeTransport }),
    ...(interceptorsOf(options) === undefined ? {} : { interceptors: interceptorsOf(options) }),
  });
}

/** The caller's interceptors, with the tracing one first when `tracing` is on. */
function interceptorsOf(options: PrismClientOptions): Interceptor[] | undefined {
  if (!options.tracing) return options.interceptors;
  return [createTracingInterceptor(), ...(options.interceptors ?? [])];
}

/** Settings of the API clients, resolved once per createPrismClient. */
interface ApiOptions {
  /** Registry filter bounds. */
  readonly filterLimits?: Partial<FilterLimits>;
  /** Whether publishes ride a PublishStream. */
  readonly publishStream: boolean;
  /** Whether subscriptions and listeners re-attach after UNAVAILABLE (several endpoints). */
  readonly reattach: boolean;
}

/** Builds the client of one namespace over a shared transport. */
function bind(
  transport: Transport,
  settings: { headers: Record<string, string>; timeoutMs: number },
  namespace: string,
  apiOptions: ApiOptions,
): PrismClient {
  if (typeof namespace !== "string" || !namespacePattern.test(namespace)) {
    const shown = typeof namespace === "string" ? JSON.stringify(namespace.slice(0, 80)) : typeof namespace;
    throw new InvalidArgumentError(
      `namespace ${shown} is not a namespace name: use 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
  return {
    kv: createKeyValueClient(transport, { namespace, ...settings }),
    pubsub: createPubSubClient(
      transport,
      { namespace, ...settings },
      { publishStream: apiOptions.publishStream, reattach: apiOptions.reattach },
    ),
    registry: createRegistryClient(transport, { namespace, ...settings }, apiOptions),
    admin: createAdminClient(transport, { namespace, ...settings }),
    namespace,
    withNamespace: (other) => bind(transport, settings, other, apiOptions),
  };
}
