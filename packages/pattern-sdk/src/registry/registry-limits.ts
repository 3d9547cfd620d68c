// Limits every Multicast Registry pattern enforces, with their documented defaults.
import { field, type ConfigOf } from "../config/config-schema.js";

/** Config schema of the `limits:` block's registry fields. */
export const registryLimitsSchema = {
  maxIdentities: field.integer("most live identities one namespace holds; registering one more is RESOURCE_EXHAUSTED", {
    default: 100_000,
    min: 1,
  }),
  maxIdentityMetadataEntries: field.integer("most metadata fields of one identity", { default: 32, min: 0 }),
  maxIdentityMetadataBytes: field.integer("most bytes of one identity's metadata (names and values, UTF-8)", { default: 8192, min: 0 }),
  defaultRegistrationTtlMs: field.integer("TTL of a registration that passes ttl_ms 0, in milliseconds", { default: 60_000, min: 1 }),
  maxRegistrationTtlMs: field.integer("longest TTL of a registration or heartbeat, in milliseconds", { default: 86_400_000, min: 1 }),
  defaultEnumerateLimit: field.integer("identities per Enumerate page when the request passes 0", { default: 100, min: 1 }),
  maxEnumerateLimit: field.integer("most identities per Enumerate page (larger requests are capped)", { default: 1000, min: 1 }),
  maxFilterDepth: field.integer("deepest nesting of and / or / not in a filter", { default: 5, min: 1, max: 32 }),
  maxFilterLeaves: field.integer("most conditions in one filter", { default: 20, min: 1, max: 1000 }),
  maxMulticastTargets: field.integer("most identities one Multicast may reach; a filter matching more is RESOURCE_EXHAUSTED", {
    default: 10_000,
    min: 1,
  }),
  defaultMulticastTimeoutMs: field.integer("how long a Multicast waits for deliveries when it passes timeout_ms 0, in milliseconds", {
    default: 5000,
    min: 1,
  }),
  maxMulticastTimeoutMs: field.integer("longest timeout_ms of a Multicast, in milliseconds", { default: 60_000, min: 1 }),
} as const;

/** Resolved registry limits. */
export type RegistryLimits = ConfigOf<typeof registryLimitsSchema>;
