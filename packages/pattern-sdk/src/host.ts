// @prism/pattern-sdk/host: for programs that host patterns rather than write them (the proxy
// loading a pattern in-process, the test kit driving one directly): the lifecycle host, the
// validating service handlers, config parsing and the JSON logger.
export { type ConfigLocation, expectation, parseConfig } from "./config/config-schema.js";
export { loadConfigFile } from "./config/load-config-file.js";
export { type RequestLimits, requestLimitsSchema } from "./config/request-limits.js";
export { createKeyValueHandlers } from "./keyvalue/keyvalue-handlers.js";
export { defaultKeyValueLimits, type KeyValueLimits, keyValueLimitsSchema } from "./keyvalue/keyvalue-limits.js";
export { findPatternDefinition, isPatternDefinition } from "./lifecycle/find-pattern-definition.js";
export { configFieldHeader, configProblemHeader, PatternHost, type PatternHostOptions } from "./lifecycle/pattern-host.js";
export { createLogger, type LoggerOptions } from "./logging/logger.js";
export { createPubSubHandlers } from "./pubsub/pubsub-handlers.js";
export { type PubSubLimits, pubSubLimitsSchema } from "./pubsub/pubsub-limits.js";
export { compileFilter, type FilterLimits } from "./registry/compile-filter.js";
export { createRegistryHandlers, type RegistryHandlerLimits } from "./registry/registry-handlers.js";
export { type RegistryLimits, registryLimitsSchema } from "./registry/registry-limits.js";
