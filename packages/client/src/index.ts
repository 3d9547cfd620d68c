// @prism/client: the typed Prism client for Node and browsers (KeyValue, PubSub, the Multicast Registry and the admin API over
// gRPC, gRPC-Web or Connect).
export { Code } from "@connectrpc/connect";
export {
  createPrismClient,
  defaultNamespace,
  defaultTimeoutMs,
  type PrismClient,
  type PrismClientOptions,
} from "./prism-client.js";
export {
  createKeyValueClient,
  type KeyValueClient,
  type KeyValueEntry,
  type ScanOptions,
  type SetManyEntry,
  type SetOptions,
} from "./keyvalue-client.js";
export {
  createPubSubClient,
  type PubSubClient,
  type PublishOptions,
  type ReceivedMessage,
  type SubscribeOptions,
  type Subscription,
} from "./pubsub-client.js";
export {
  createRegistryClient,
  type EnumerateOptions,
  type EnumeratePage,
  type EnumeratePageOptions,
  type MulticastOptions,
  type MulticastResult,
  type MulticastStatus,
  type RegisteredIdentity,
  type RegisterOptions,
  type RegistryClient,
  type RegistryClientOptions,
} from "./registry-client.js";
export type { Registration } from "./registration.js";
export type { ListenOptions, RegistryDelivery, RegistryListener } from "./registry-listener.js";
export type { RegistryMetadata, RegistryMetadataValue } from "./registry-metadata.js";
export { type RegistryFilter, toFilter } from "./registry-filter/to-filter.js";
export type { FieldOperators, FilterObject, FilterValue } from "./registry-filter/json-filter.js";
export { defaultFilterLimits, type FilterLimits } from "./registry-filter/filter-limits.js";
export { formatFilter } from "./registry-filter/format-filter.js";
export {
  createAdminClient,
  type AccessRules,
  type AdminClient,
  type BindingDefinition,
  type HealthState,
  type NamespaceDefinition,
  type NamespaceInfo,
  type NamespaceStatus,
  type PatternStatus,
  type ProxyStatus,
} from "./admin-client.js";
export { namespaceHeader, type CallDefaults, type CallOptions } from "./call-options.js";
export type { PrismToken, TokenProvider, TokenRequest } from "./auth/token-provider.js";
export { authorizationHeader, withToken } from "./auth/with-token.js";
export { type PrismValue, toBytes, toText } from "./value.js";
export { type CodeName, codeName } from "./errors/code-name.js";
export { PrismError, type PrismErrorOptions } from "./errors/prism-error.js";
export {
  AlreadyExistsError,
  DeadlineExceededError,
  IdentityNotFoundError,
  InternalError,
  InvalidArgumentError,
  KeyNotFoundError,
  NamespaceNotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from "./errors/error-classes.js";
export { type ErrorContext, errorReasonHeader, toPrismError } from "./errors/to-prism-error.js";
export { createDefaultTransport } from "#default-transport";
export { createTracingInterceptor } from "./tracing/tracing-interceptor.js";
export type { NodeGrpcTransport, PrismProtocol, TransportOptions } from "./transport/transport-options.js";
export {
  createEndpointPoolTransport,
  createResolvedEndpointPoolTransport,
  type EndpointPin,
  endpointPinKey,
  type EndpointPoolOptions,
  idempotentMethods,
  type ResolvedEndpointPoolOptions,
  type UrlResolver,
} from "./transport/endpoint-pool.js";
export { type ReattachEvent, reattachBackoff } from "./stream-reattach.js";
