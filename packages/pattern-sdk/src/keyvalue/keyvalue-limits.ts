// Size limits every KeyValue pattern enforces, with their documented defaults.
import { field, type ConfigOf } from "../config/config-schema.js";

/** Config schema of the `limits:` block in a KeyValue pattern's config. */
export const keyValueLimitsSchema = {
  maxKeyBytes: field.integer("largest key accepted, in UTF-8 bytes", { default: 1024, min: 1 }),
  maxValueBytes: field.integer("largest value accepted, in bytes", { default: 3 * 1024 * 1024, min: 0 }),
  defaultScanLimit: field.integer("page size of a Scan that passes limit 0", { default: 100, min: 1 }),
  maxScanLimit: field.integer("largest page a Scan may ask for; larger limits are capped to it", { default: 1000, min: 1 }),
  maxBatchSize: field.integer("most keys or entries one Batch call may carry", { default: 1000, min: 1 }),
} as const;

/** Resolved KeyValue limits. */
export type KeyValueLimits = ConfigOf<typeof keyValueLimitsSchema>;

/** The defaults, as documented in the README. */
export const defaultKeyValueLimits: KeyValueLimits = {
  maxKeyBytes: 1024,
  maxValueBytes: 3 * 1024 * 1024,
  defaultScanLimit: 100,
  maxScanLimit: 1000,
  maxBatchSize: 1000,
};
