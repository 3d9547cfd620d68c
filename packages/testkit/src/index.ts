// @prism/pattern-sdk/testing: what certifies a backend — the acceptance suites (KeyValue, PubSub, Registry) — and the harness
// that starts real backend servers for tests.
export { startRedisServer, type RedisServer } from "./start-redis-server.js";
export { startRedisCluster, type RedisCluster, type RedisClusterOptions } from "./start-redis-cluster.js";
export { startNatsServer, type NatsServer } from "./start-nats-server.js";
export { startNatsCluster, type NatsCluster, type NatsClusterOptions } from "./start-nats-cluster.js";
export { findFreePort } from "./find-free-port.js";
export { requireBinary } from "./require-binary.js";
export { keyValueAcceptanceSuite } from "./keyvalue-acceptance-suite.js";
export { directKeyValueCaller } from "./direct-keyvalue-caller.js";
export type {
  KeyValueAcceptanceOptions,
  KeyValueCapabilities,
  KeyValueCaller,
  KeyValueSubject,
} from "./keyvalue-acceptance-options.js";
export { pubSubAcceptanceSuite } from "./pubsub-acceptance-suite.js";
export { directPubSubCaller } from "./direct-pubsub-caller.js";
export { openSubscriber, type PubSubSubscriber, type SubscriberOptions } from "./pubsub-subscriber.js";
export type {
  PubSubAcceptanceOptions,
  PubSubCapabilities,
  PubSubCaller,
  PubSubSubject,
} from "./pubsub-acceptance-options.js";
export { registryAcceptanceSuite } from "./registry-acceptance-suite.js";
export { defaultRegistryHandlerLimits, directRegistryCaller } from "./direct-registry-caller.js";
export { openListener, type ListenerOptions, type RegistryListenerHandle } from "./registry-listener.js";
export type {
  LimitedRegistry,
  RegistryAcceptanceOptions,
  RegistryCaller,
  RegistrySubject,
  RegistryTiming,
} from "./registry-acceptance-options.js";
export { startPatternInstance, type StartedPatternInstance } from "./start-pattern-instance.js";
