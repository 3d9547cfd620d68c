// @prism/pattern-sdk: what a pattern author uses at run time to build and serve a Prism backend
// pattern: definePattern, servePattern, config fields, the backend interface of each API, the
// PubSub and registry building blocks, errors and the logger interface. Hosts (the proxy, the test kit) use
// `@prism/pattern-sdk/host`; tests use `@prism/testkit`.
export { Code, ConnectError } from "@connectrpc/connect";
export type { CallContext, CallerIdentity } from "@prism/wire";
export {
  type BooleanField,
  type ConfigField,
  type ConfigOf,
  type ConfigSchema,
  field,
  type IntegerField,
  type ObjectField,
  type OptionalObjectField,
  type RawField,
  type StringField,
  type StringListField,
} from "./config/config-schema.js";
export { ConfigError } from "./config/config-error.js";
export type { KeyValueBackend, KeyValueEntry, KeyValueItem, ScanPage, ScanPageRequest } from "./keyvalue/keyvalue-backend.js";
export { decodeScanCursor, encodeScanCursor } from "./keyvalue/scan-cursor.js";
export type { HealthReport, HealthState } from "./lifecycle/health-report.js";
export { definePattern, type PatternContext, type PatternDefinition, type PatternInstance } from "./lifecycle/pattern-definition.js";
export type { LogFields, Logger, LogLevel } from "./logging/logger.js";
export { packageVersion } from "./package-version.js";
export { LocalFanout, type LocalFanoutOptions, type LocalFanoutStats, type LocalSubscriptionEnded } from "./pubsub/local-fanout.js";
export { LocalSubscription } from "./pubsub/local-subscription.js";
export { MessageQueue } from "./pubsub/message-queue.js";
export type {
  DeliveryGuarantee,
  PubSubBackend,
  PubSubMessage,
  PubSubSubscription,
  SubscribeRequestOptions,
} from "./pubsub/pubsub-backend.js";
export type { CompiledFilter } from "./registry/compiled-filter.js";
export { LocalRegistryMessaging } from "./registry/local-registry-messaging.js";
export type {
  DeliveryOutcome,
  EnumeratePage,
  EnumeratePageRequest,
  MetadataValue,
  RegisteredIdentity,
  RegistrationRequest,
  RegistrationResult,
  RegistryBackend,
  RegistryDelivery,
  RegistryListener,
  RegistryMessaging,
  RegistryMetadata,
  RegistryStore,
} from "./registry/registry-backend.js";
export { SubscriptionRoute } from "./pubsub/subscription-route.js";
export { isWildcard, topicMatches } from "./pubsub/topic-name.js";
export { type ServePatternOptions, type ServingPattern, servePattern } from "./serve-pattern.js";
