// A registry filter compiled once per call: the predicate every candidate identity is tested
// with, and what a backend may use to narrow its search before testing.
import type { RegistryMetadata } from "./registry-backend.js";

/** A filter ready to run. */
export interface CompiledFilter {
  /** Whether the identity named `identity` with `metadata` matches. */
  matches(identity: string, metadata: RegistryMetadata): boolean;
  /**
   * Every match's identity starts with this ("" = no such bound): a backend with identities in
   * order may start its search at it and stop after it.
   */
  readonly identityPrefix: string;
  /** The filter matches every identity (no filter, or an empty `and`). */
  readonly matchesAll: boolean;
}
