// @prism/pattern-nats: the NATS Prism pattern (PubSub on core NATS, at-most-once, or JetStream, at-least-once).
export { natsPattern } from "./nats-pattern.js";
export { natsConfigSchema, type NatsConfig } from "./nats-config.js";
export { NatsPubSub } from "./nats-pubsub.js";
export { resolveStreamName, resolveSubjectPrefix } from "./nats-naming.js";
