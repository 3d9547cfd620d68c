// Config schema of the nats pattern: where NATS lives, core NATS or JetStream, how topics map to
// subjects and a stream per namespace, redelivery, retention and pulls for JetStream, reconnection,
// credentials, the at-most-once subscriber buffer, and the thresholds of its health states.
import { type ConfigOf, field } from "@prism/pattern-sdk";

/** Config fields of the nats pattern, each with its documented default. */
export const natsConfigSchema = {
  url: field.string("NATS server URL, nats://host:port (several comma-separated for a cluster)", {
    default: "nats://127.0.0.1:4222",
    pattern: /^(?:(?:nats|tls):\/\/)?[^\s,/]+(?:,\s*(?:(?:nats|tls):\/\/)?[^\s,/]+)*$/,
    patternHint: "like nats://127.0.0.1:4222 or nats://a:4222,nats://b:4222",
  }),
  jetstream: field.boolean(
    "false: core NATS, at-most-once (a subscriber gets what is published while it " +
      "is subscribed); true: JetStream, at-least-once (stored, acked, redelivered)",
    { default: false },
  ),
  subjectPrefix: field.string('subject prefix of every topic (topic a.b = subject <prefix>.a.b); "" = "prism.<namespace>"', {
    default: "",
    pattern: /^$|^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/,
    patternHint: 'of "."-separated levels of letters, digits, "_", ":" or "-", without wildcards, or ""',
  }),
  stream: field.string(
    "JetStream stream holding the namespace's messages, created or updated at start (or once NATS is first reached) " +
      'with subjects "<prefix>.>"; "" = "PRISM_<NAMESPACE>" (uppercased, "-" as "_")',
    { default: "", pattern: /^[A-Za-z0-9_-]{0,200}$/, patternHint: 'of letters, digits, "_" or "-", or ""' },
  ),
  replicas: field.integer(
    "JetStream: copies of the stream kept on a NATS cluster (1 on a single server; more need a JetStream cluster of at least that many servers)",
    { default: 1, min: 1, max: 5 },
  ),
  ackWaitMs: field.integer("JetStream: an unacked message is redelivered after this many milliseconds", {
    default: 30_000,
    min: 1000,
  }),
  maxDeliver: field.integer("JetStream: a message is delivered at most this many times per group, then given up", {
    default: 5,
    min: 1,
  }),
  maxAgeMs: field.integer("JetStream: how long the stream keeps a message, in milliseconds (0 = until other limits)", {
    default: 24 * 60 * 60 * 1000,
    min: 0,
  }),
  groupStart: field.string<"all" | "new">(
    "JetStream: what a group's first subscriber starts with: every message still in the stream (all) or only later ones (new)",
    { values: ["all", "new"], default: "all" },
  ),
  pullExpiresMs: field.integer(
    "JetStream: how long a subscriber's pull request waits for messages before it is renewed, in milliseconds; a group member " +
      "that leaves hands back its unacked messages once its last pull has ended, so within about this long (stop does not wait)",
    { default: 5000, min: 1000 },
  ),
  requestTimeoutMs: field.integer(
    "JetStream: how long a publish waits for the server's ack, and a stream or consumer request for its reply, before failing UNAVAILABLE",
    { default: 5000, min: 100 },
  ),
  subscriberBufferSize: field.integer(
    "core NATS: messages buffered per subscriber that is not reading; more are dropped and counted (health detail dropped)",
    { default: 1024, min: 1 },
  ),
  reconnectWaitMs: field.integer("pause between reconnection attempts, in milliseconds; reconnection never gives up", {
    default: 250,
    min: 1,
  }),
  connectTimeoutMs: field.integer("how long one connection attempt (and the first connect at start) may take, in milliseconds", {
    default: 2000,
    min: 1,
  }),
  user: field.string('user name for user/password authentication; "" = none', { default: "" }),
  pass: field.string('password for user/password authentication; "" = none', { default: "", secret: true }),
  token: field.string('token for token authentication; "" = none', { default: "", secret: true }),
  slowRttMs: field.integer("a round trip to the server slower than this many milliseconds reports DEGRADED", {
    default: 100,
    min: 1,
  }),
  unhealthyAfterMs: field.integer("disconnected for longer than this many milliseconds reports UNHEALTHY (DEGRADED before)", {
    default: 3000,
    min: 0,
  }),
};

/** Parsed config of the nats pattern. */
export type NatsConfig = ConfigOf<typeof natsConfigSchema>;
