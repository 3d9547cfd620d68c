// The nats pattern definition: its config schema and a factory that serves NatsPubSub, connecting
// at Start (a NATS that is not there does not fail Start: it connects in the background, UNHEALTHY
// meanwhile; a NATS that refuses the credentials does) and reporting the connection's health.
import { definePattern, packageVersion } from "@prism/pattern-sdk";
import { natsConfigSchema } from "./nats-config.js";
import { withoutCredentials } from "./nats-server-list.js";
import { NatsPubSub } from "./nats-pubsub.js";

/** The NATS pattern: PubSub on core NATS (at-most-once) or JetStream (at-least-once). */
export const natsPattern = definePattern({
  name: "nats",
  version: packageVersion(import.meta.url),
  config: natsConfigSchema,
  create(config, context) {
    const pubsub = new NatsPubSub(config, context.namespace, context.logger);
    context.logger.debug("nats pattern created", {
      ...config,
      url: config.url.split(",").map(withoutCredentials).join(","),
      pass: config.pass ? "***" : "",
      token: config.token ? "***" : "",
    });
    return {
      pubsub,
      start: () => pubsub.start(),
      stop: () => pubsub.stop(),
      health: () => pubsub.health(),
    };
  },
});
