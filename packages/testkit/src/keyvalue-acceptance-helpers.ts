// Shared pieces of the KeyValue acceptance cases: the per-run context (caller, key namespacing,
// capabilities), byte/text helpers, a gRPC code assertion and a scan that follows every page.
import { Code, ConnectError } from "@connectrpc/connect";
import type { ScanItem } from "@prism/proto/keyvalue/v1";
import { expect } from "vitest";
import type { KeyValueCaller, KeyValueCapabilities } from "./keyvalue-acceptance-options.js";

/** What every group of cases gets from the suite. */
export interface AcceptanceContext {
  /** The subject's caller; available once the suite's `beforeAll` has run. */
  caller(): KeyValueCaller;
  /** `name` under this run's unique prefix, so runs sharing one backend never collide. */
  key(name: string): string;
  /** What the backend claims to support. */
  capabilities: KeyValueCapabilities;
}

/** UTF-8 bytes of `value`. */
export function utf8(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** `value` decoded as UTF-8. */
export function text(value: Uint8Array): string {
  return new TextDecoder().decode(value);
}

/** Asserts two byte arrays are equal without diffing megabytes on failure. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  const firstDifference = actual.findIndex((byte, i) => byte !== expected[i]);
  expect(firstDifference, "index of the first differing byte").toBe(-1);
}

/** Asserts that `call` fails with a ConnectError carrying `code`; returns the error. */
export async function expectCode(call: Promise<unknown>, code: Code): Promise<ConnectError> {
  const outcome = await call.then(
    (value) => ({ failed: false as const, value }),
    (error: unknown) => ({ failed: true as const, error }),
  );
  if (!outcome.failed) {
    expect.fail(`expected ${Code[code]}, but the call succeeded with ${JSON.stringify(outcome.value, bigints)}`);
  }
  const { error } = outcome;
  expect(error, `expected a ConnectError with ${Code[code]}`).toBeInstanceOf(ConnectError);
  const connectError = error as ConnectError;
  expect(Code[connectError.code], connectError.message).toBe(Code[code]);
  return connectError;
}

/** Every page of a scan, as returned. */
export interface ScanResult {
  /** All items of all pages, in the order received. */
  items: ScanItem[];
  /** How many pages it took. */
  pages: number;
}

/** Follows next_cursor until "", asserting that no page exceeds `limit` (when > 0); fails on a runaway scan. */
export async function scanAll(
  kv: KeyValueCaller,
  prefix: string,
  options: { limit?: number; includeValues?: boolean; maxPages?: number } = {},
): Promise<ScanResult> {
  const limit = options.limit ?? 0;
  const maxPages = options.maxPages ?? 10_000;
  const items: ScanItem[] = [];
  let cursor = "";
  let pages = 0;
  do {
    if (pages === maxPages) expect.fail(`scan of ${JSON.stringify(prefix)} still had a next_cursor after ${maxPages} pages`);
    const page = await kv.scan({ prefix, cursor, limit, includeValues: options.includeValues ?? false });
    pages++;
    if (limit > 0) expect(page.items.length, `items on page ${pages} (limit ${limit})`).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== "");
  return { items, pages };
}

/** The keys of a scan, sorted, for comparing as a set. */
export async function scanKeys(kv: KeyValueCaller, prefix: string, limit = 0): Promise<string[]> {
  return (await scanAll(kv, prefix, { limit })).items.map((item) => item.key).sort();
}

/** Sorts strings by code unit, like the default sort, without relying on it implicitly. */
export function sorted(values: string[]): string[] {
  return [...values].sort();
}

/** JSON.stringify replacer that prints bigints. */
function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
