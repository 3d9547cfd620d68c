// Acceptance cases for Scan: exact literal prefix matching (glob characters included), page limits
// and cursor chaining, values on request, 10,000 keys across pages, and malformed cursors.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type AcceptanceContext, expectCode, scanAll, scanKeys, sorted, text, utf8 } from "./keyvalue-acceptance-helpers.js";
import type { KeyValueCaller } from "./keyvalue-acceptance-options.js";

/** How many keys the large scan writes and reads back. */
const LARGE_SCAN_KEYS = 10_000;
/** Keys per write round when filling the large scan. */
const WRITE_CHUNK = 500;

/** Registers the scan cases. */
export function registerScanCases(ctx: AcceptanceContext): void {
  /** Writes each key with its own name as value. */
  const writeAll = async (kv: KeyValueCaller, keys: string[]) => {
    for (const key of keys) await kv.set({ key, value: utf8(key) });
  };

  describe("scan", () => {
    it("returns exactly the keys that start with the prefix", async () => {
      const kv = ctx.caller();
      const prefix = ctx.key("scan-exact:user:");
      const matching = [prefix, `${prefix}1`, `${prefix}2`, `${prefix}10`, `${prefix}:`, `${prefix}ключ`];
      const nearMisses = [
        ctx.key("scan-exact:user"),
        ctx.key("scan-exact:users:1"),
        ctx.key("scan-exact:user;1"),
        ctx.key("scan-exact:User:1"),
        ctx.key("scan-exact:usex:1"),
        ctx.key("scan-exact:"),
      ];
      await writeAll(kv, [...matching, ...nearMisses]);
      expect(await scanKeys(kv, prefix)).toEqual(sorted(matching));
    });

    it("matches *?[]\\ in a prefix literally, not as a pattern", async () => {
      const kv = ctx.caller();
      const glob = ctx.key("scan-glob:a*?[]\\");
      const globMatches = [glob, `${glob}1`, `${glob}*`];
      const globMisses = [
        ctx.key("scan-glob:a*?[]"),
        ctx.key("scan-glob:abc?[]\\1"),
        ctx.key("scan-glob:a*x[]\\1"),
        ctx.key("scan-glob:a*?[x]\\1"),
        ctx.key("scan-glob:aa?[]\\"),
        ctx.key("scan-glob:a*?]\\"),
      ];
      const star = ctx.key("scan-star:x*");
      const starMatches = [star, `${star}y`];
      const starMisses = [ctx.key("scan-star:x"), ctx.key("scan-star:xy"), ctx.key("scan-star:xx*")];
      const escaped = ctx.key("scan-backslash:\\*");
      const escapedMatches = [escaped, `${escaped}1`];
      const escapedMisses = [ctx.key("scan-backslash:*1"), ctx.key("scan-backslash:\\x"), ctx.key("scan-backslash:\\")];
      await writeAll(kv, [...globMatches, ...globMisses, ...starMatches, ...starMisses, ...escapedMatches, ...escapedMisses]);
      expect(await scanKeys(kv, glob)).toEqual(sorted(globMatches));
      expect(await scanKeys(kv, star)).toEqual(sorted(starMatches));
      expect(await scanKeys(kv, escaped)).toEqual(sorted(escapedMatches));
    });

    it('returns at most `limit` items per page and chains pages through next_cursor to ""', async () => {
      const kv = ctx.caller();
      const prefix = ctx.key("scan-limit:");
      const keys = Array.from({ length: 25 }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
      await writeAll(kv, keys);
      for (const limit of [1, 7, 25, 100]) {
        const { items, pages } = await scanAll(kv, prefix, { limit });
        const found = items.map((item) => item.key);
        expect(sorted(found), `limit ${limit}`).toEqual(keys);
        expect(new Set(found).size, `duplicates with limit ${limit}`).toBe(found.length);
        expect(pages, `pages with limit ${limit}`).toBeGreaterThanOrEqual(Math.ceil(keys.length / limit));
      }
    });

    it("returns each key's value with include_values, and no values without it", async () => {
      const kv = ctx.caller();
      const prefix = ctx.key("scan-values:");
      const keys = ["a", "b", "c", "empty"].map((name) => `${prefix}${name}`);
      for (const key of keys) await kv.set({ key, value: key.endsWith("empty") ? new Uint8Array(0) : utf8(`v:${key}`) });
      const withValues = (await scanAll(kv, prefix, { limit: 2, includeValues: true })).items;
      expect(sorted(withValues.map((item) => item.key))).toEqual(keys);
      for (const item of withValues) expect(text(item.value), item.key).toBe(item.key.endsWith("empty") ? "" : `v:${item.key}`);
      const withoutValues = (await scanAll(kv, prefix, { limit: 2, includeValues: false })).items;
      expect(sorted(withoutValues.map((item) => item.key))).toEqual(keys);
      for (const item of withoutValues) expect(item.value.byteLength, item.key).toBe(0);
    });

    it(`pages through ${LARGE_SCAN_KEYS} keys with no duplicate and no miss`, { timeout: 180_000 }, async () => {
      const kv = ctx.caller();
      const prefix = ctx.key("scan-large:");
      const keys = Array.from({ length: LARGE_SCAN_KEYS }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
      for (let start = 0; start < keys.length; start += WRITE_CHUNK) {
        const chunk = keys.slice(start, start + WRITE_CHUNK);
        if (ctx.capabilities.batch) {
          await kv.batchSet({ entries: chunk.map((key) => ({ key, value: utf8(key.slice(prefix.length)) })) });
        } else {
          await Promise.all(chunk.map((key) => kv.set({ key, value: utf8(key.slice(prefix.length)) })));
        }
      }
      const { items } = await scanAll(kv, prefix, { limit: 1000 });
      const found = items.map((item) => item.key);
      const seen = new Set<string>();
      const duplicates = found.filter((key) => seen.has(key) || !seen.add(key));
      expect(duplicates.slice(0, 10), `${duplicates.length} duplicates`).toEqual([]);
      const missing = keys.filter((key) => !seen.has(key));
      expect(missing.slice(0, 10), `${missing.length} missing`).toEqual([]);
      expect(found.length).toBe(keys.length);
    });

    it("a malformed cursor is INVALID_ARGUMENT", async () => {
      const kv = ctx.caller();
      const prefix = ctx.key("scan-cursor:");
      await kv.set({ key: `${prefix}a`, value: utf8("a") });
      for (const cursor of ["this is not a cursor!", "%%%", '{"after":"x"}']) {
        await expectCode(kv.scan({ prefix, cursor, limit: 10 }), Code.InvalidArgument);
      }
    });
  });
}
