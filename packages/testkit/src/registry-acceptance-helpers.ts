// Shared pieces of the Multicast Registry acceptance cases: the per-run context (caller, identity
// namespacing, tracked listeners, timing), typed metadata and filter builders, and an Enumerate that
// follows every page.
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  Comparison,
  type FilterSchema,
  type Identity,
  type RegisterResponse,
  type Value,
  type ValueSchema,
} from "@prism/proto/registry/v1";
import { expect } from "vitest";
import type { RegistryCaller, RegistrySubject } from "./registry-acceptance-options.js";
import type { ListenerOptions, RegistryListenerHandle } from "./registry-listener.js";

/** A plain metadata value as the cases write it: string, finite number, boolean or list of strings. */
export type PlainValue = string | number | boolean | readonly string[];

/** Plain metadata by field name. */
export type PlainMetadata = Readonly<Record<string, PlainValue>>;

/** A wire Filter in init shape. */
export type FilterInit = MessageInitShape<typeof FilterSchema>;

/** A wire Value in init shape. */
export type ValueInit = MessageInitShape<typeof ValueSchema>;

/** A TTL that cannot pass during a run, in milliseconds. */
export const LONG_TTL_MS = 600_000n;

/** What every group of registry cases gets from the suite. */
export interface RegistryAcceptanceContext {
  /** The subject's caller; available once the suite's `beforeAll` has run. */
  caller(): RegistryCaller;
  /** The subject itself (for its optional extras). */
  subject(): RegistrySubject;
  /** `name` under this run's unique prefix (`acc-<hex>/<name>`), so runs sharing one backend never collide. */
  identity(name: string): string;
  /** Registers `identity` with `metadata` (a long TTL unless given); returns the response. */
  register(identity: string, metadata?: PlainMetadata, options?: { ttlMs?: bigint; replace?: boolean }): Promise<RegisterResponse>;
  /** Opens a Listen stream that the suite closes after the case. */
  listen(identity: string, options?: ListenerOptions): Promise<RegistryListenerHandle>;
  /** Whether the subject counts its listeners (`listenerCount`). */
  countsListeners(): boolean;
  /**
   * Waits (bounded) until the backend holds exactly the listeners it held before this run plus this
   * run's listeners that are still open; a no-op when the subject does not count its listeners.
   */
  expectBackendListeners(): Promise<void>;
  /** A TTL the backend honours promptly, in milliseconds. */
  shortTtlMs: bigint;
  /** How long a case may wait for a short TTL to pass, in milliseconds. */
  expiryBoundMs: number;
  /** How long after expires_at_ms the backend may still return an identity, in milliseconds. */
  ttlResolutionMs: number;
}

/** The wire form of one plain value. */
export function wireValue(value: PlainValue): ValueInit {
  if (typeof value === "string") return { kind: { case: "stringValue", value } };
  if (typeof value === "number") return { kind: { case: "numberValue", value } };
  if (typeof value === "boolean") return { kind: { case: "boolValue", value } };
  return { kind: { case: "listValue", value: { values: [...value] } } };
}

/** The wire form of plain metadata. */
export function wireMetadata(metadata: PlainMetadata): Record<string, ValueInit> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, wireValue(value)]));
}

/** Wire metadata as plain values (a value without a kind becomes undefined, which never equals a plain one). */
export function plainMetadata(metadata: Readonly<Record<string, Value>>): Record<string, PlainValue | undefined> {
  const plain: Record<string, PlainValue | undefined> = {};
  for (const [name, value] of Object.entries(metadata)) {
    const kind = value.kind;
    plain[name] = kind.case === "listValue" ? [...kind.value.values] : kind.value;
  }
  return plain;
}

/** A leaf condition `field op value` (no value: an operand-less condition, e.g. `exists`). */
export function where(field: string, op: Comparison, value?: PlainValue): FilterInit {
  return { node: { case: "condition", value: { field, op, value: value === undefined ? undefined : wireValue(value) } } };
}

/** Every filter matches. */
export function allOf(...filters: FilterInit[]): FilterInit {
  return { node: { case: "and", value: { filters } } };
}

/** Any filter matches. */
export function anyOf(...filters: FilterInit[]): FilterInit {
  return { node: { case: "or", value: { filters } } };
}

/** The filter does not match. */
export function not(filter: FilterInit): FilterInit {
  return { node: { case: "not", value: filter } };
}

/** Identities starting with `prefix`. */
export function identityPrefix(prefix: string): FilterInit {
  return where("identity", Comparison.PREFIX, prefix);
}

/** `filter`, restricted to identities under `prefix` (so other cases and runs never interfere). */
export function under(prefix: string, filter?: FilterInit): FilterInit {
  return filter === undefined ? identityPrefix(prefix) : allOf(identityPrefix(prefix), filter);
}

/** Every page of an Enumerate, as returned. */
export interface EnumerateResult {
  /** All identities of all pages, in the order received. */
  identities: Identity[];
  /** How many pages it took. */
  pages: number;
  /** total_count of each page. */
  totals: number[];
}

/**
 * Follows next_cursor until "", asserting that no page exceeds `limit` (when > 0) and that a page with a
 * next_cursor is not empty; fails on a runaway enumeration. `betweenPages` runs after each page but the last.
 */
export async function enumerateAll(
  registry: RegistryCaller,
  filter: FilterInit | undefined,
  options: { limit?: number; includeMetadata?: boolean; maxPages?: number; betweenPages?: (page: number) => Promise<void> } = {},
): Promise<EnumerateResult> {
  const limit = options.limit ?? 1000;
  const maxPages = options.maxPages ?? 10_000;
  const identities: Identity[] = [];
  const totals: number[] = [];
  let cursor = "";
  let pages = 0;
  do {
    if (pages === maxPages) expect.fail(`enumerate still had a next_cursor after ${maxPages} pages`);
    const page = await registry.enumerate({ filter, cursor, limit, includeMetadata: options.includeMetadata ?? false });
    pages++;
    if (limit > 0) expect(page.identities.length, `identities on page ${pages} (limit ${limit})`).toBeLessThanOrEqual(limit);
    if (page.nextCursor !== "") expect(page.identities.length, `page ${pages} has a next_cursor but no identities`).toBeGreaterThan(0);
    identities.push(...page.identities);
    totals.push(page.totalCount);
    cursor = page.nextCursor;
    if (cursor !== "") await options.betweenPages?.(pages);
  } while (cursor !== "");
  return { identities, pages, totals };
}

/** The identity names `filter` matches under `prefix`, without the prefix, sorted; paged with `limit`. */
export async function namesMatching(registry: RegistryCaller, prefix: string, filter?: FilterInit, limit = 1000): Promise<string[]> {
  const { identities } = await enumerateAll(registry, under(prefix, filter), { limit });
  return sorted(identities.map((each) => each.identity.slice(prefix.length)));
}

/** Sorts strings by UTF-16 code unit (JS `<`), the registry's order. */
export function sorted(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Values that occur more than once in `values`, each reported once. */
export function repeatedIn(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) twice.add(value);
    else seen.add(value);
  }
  return [...twice];
}

/** Resolves after `ms` milliseconds (only for pacing heartbeats or letting a deadline pass, never to assert on time). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
