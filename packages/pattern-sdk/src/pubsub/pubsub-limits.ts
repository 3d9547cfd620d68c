// Limits every PubSub pattern enforces, with their documented defaults.
import { field, type ConfigOf } from "../config/config-schema.js";

/** Config schema of the `limits:` block's PubSub fields. */
export const pubSubLimitsSchema = {
  maxPayloadBytes: field.integer("largest message payload accepted, in bytes", { default: 1024 * 1024, min: 0 }),
  maxMetadataEntries: field.integer("most metadata entries on one message", { default: 64, min: 0 }),
  defaultMaxInFlight: field.integer("unacked messages per at-least-once subscriber when Subscribe passes 0", {
    default: 256,
    min: 1,
  }),
} as const;

/** Resolved PubSub limits. */
export type PubSubLimits = ConfigOf<typeof pubSubLimitsSchema>;
