// Schema of `configSource`: where the namespaces live when several proxies serve as one. With
// `configSource.nats.servers` set, namespaces are entries of a NATS JetStream KV bucket that every
// proxy watches; prism.yaml keeps what is local to one proxy and seeds an empty bucket.
import { field } from "@prism/pattern-sdk";

/** Schema of `configSource.nats`. */
export const natsConfigSourceSchema = {
  servers: field.stringList(
    "NATS server URLs (nats://host:port) of the JetStream KV bucket holding the namespaces; [] = namespaces come from this file",
    { default: [] },
  ),
  bucket: field.string("the JetStream KV bucket: one key per namespace, its value the namespace's mapping as JSON", {
    default: "prism-namespaces",
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    patternHint: "1-64 letters, digits, _ or -",
  }),
  snapshotFile: field.string(
    'the last namespaces read from the bucket (relative to this file), to start with while NATS is unreachable; "" = ' +
      "this file's name with `.snapshot.json` beside it",
    { default: "" },
  ),
  connectTimeoutMs: field.integer("how long a start waits for NATS before it serves the snapshot", { default: 5000, min: 100 }),
} as const;

/** Schema of `configSource`. */
export const configSourceSchema = {
  nats: field.object("namespaces on NATS JetStream KV: `servers` (none = off), `bucket`, `snapshotFile`", natsConfigSourceSchema),
} as const;

/** The namespaces' source when it is a NATS bucket, resolved. */
export interface NatsConfigSource {
  /** NATS server URLs. */
  readonly servers: readonly string[];
  /** The KV bucket. */
  readonly bucket: string;
  /** Absolute path of the snapshot file (undefined without a config file: no snapshot). */
  readonly snapshotFile: string | undefined;
  /** How long a start waits for NATS. */
  readonly connectTimeoutMs: number;
}
