// @prism/pattern-nats: the NATS Prism pattern (PubSub on core NATS, at-most-once, or JetStream,
// at-least-once). The proxy runs it as `backend: nats`.
export type { NatsConfig } from "./nats-config.js";
export { natsPattern } from "./nats-pattern.js";
