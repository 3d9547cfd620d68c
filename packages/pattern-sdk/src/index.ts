// @prism/pattern-sdk: what a pattern author imports to build and run a Prism backend pattern.
export { Code, ConnectError } from "@connectrpc/connect";
export type {
  KeyValueBackend,
  KeyValueEntry,
  KeyValueItem,
  ScanPage,
  ScanPageRequest,
} from "./keyvalue/keyvalue-backend.js";
export { encodeScanCursor, decodeScanCursor } from "./keyvalue/scan-cursor.js";
export { createKeyValueHandlers } from "./keyvalue/keyvalue-handlers.js";
export { keyValueLimitsSchema, defaultKeyValueLimits, type KeyValueLimits } from "./keyvalue/keyvalue-limits.js";
export type { HealthReport, HealthState } from "./lifecycle/health-report.js";
export {
  definePattern,
  type PatternContext,
  type PatternDefinition,
  type PatternInstance,
} from "./lifecycle/pattern-definition.js";
export { PatternHost, healthResponse, type PatternHostOptions } from "./lifecycle/pattern-host.js";
export { servePattern, type ServePatternOptions, type ServingPattern } from "./serve-pattern.js";
export {
  field,
  parseConfig,
  expectation,
  type ConfigField,
  type StringField,
  type IntegerField,
  type BooleanField,
  type StringListField,
  type ObjectField,
  type OptionalObjectField,
  type RawField,
  type ConfigLocation,
  type ConfigOf,
  type ConfigSchema,
} from "./config/config-schema.js";
export { ConfigError } from "./config/config-error.js";
export { loadConfigFile } from "./config/load-config-file.js";
export { createLogger, type LogFields, type LogLevel, type Logger, type LoggerOptions } from "./logging/logger.js";
export type { CallContext, ServiceHandlers } from "./grpc/service-handlers.js";
export type {
  DeliveryGuarantee,
  PubSubBackend,
  PubSubMessage,
  PubSubSubscription,
  SubscribeRequestOptions,
} from "./pubsub/pubsub-backend.js";
export { createPubSubHandlers } from "./pubsub/pubsub-handlers.js";
export { pubSubLimitsSchema, type PubSubLimits } from "./pubsub/pubsub-limits.js";
export { MessageQueue } from "./pubsub/message-queue.js";
export { LocalSubscription } from "./pubsub/local-subscription.js";
export { SubscriptionRoute } from "./pubsub/subscription-route.js";
export {
  LocalFanout,
  type LocalFanoutOptions,
  type LocalFanoutStats,
  type LocalSubscriptionEnded,
} from "./pubsub/local-fanout.js";
export { checkTopic, checkTopicFilter, isWildcard, topicMatches } from "./pubsub/topic-name.js";
