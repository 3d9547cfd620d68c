// @prism/client: the typed Prism client for Node and browsers (KeyValue, PubSub and the admin API over gRPC, gRPC-Web or Connect).
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
  DeadlineExceededError,
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
export type { PrismProtocol, TransportOptions } from "./transport/transport-options.js";
