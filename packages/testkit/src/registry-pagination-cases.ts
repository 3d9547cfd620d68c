// Multicast Registry acceptance cases for Enumerate paging: ascending UTF-16 order, page limits and
// cursor chaining, total_count, metadata on request, the default and largest page size, malformed
// cursors, and registrations and removals during paging (no identity twice, none skipped that stayed).
import { Code } from "@connectrpc/connect";
import { Comparison } from "@prism/proto/registry/v1";
import { describe, expect, it } from "vitest";
import { expectCode } from "./keyvalue-acceptance-helpers.js";
import {
  enumerateAll,
  LONG_TTL_MS,
  plainMetadata,
  type RegistryAcceptanceContext,
  repeatedIn,
  sorted,
  under,
  where,
} from "./registry-acceptance-helpers.js";

/** The documented default page size (limits.defaultEnumerateLimit). */
const DEFAULT_PAGE = 100;
/** The documented largest page size (limits.maxEnumerateLimit). */
const MAX_PAGE = 1000;

/** `n` as three digits. */
function pad(n: number): string {
  return String(n).padStart(3, "0");
}

/** Registers the pagination cases. */
export function registerRegistryPaginationCases(ctx: RegistryAcceptanceContext): void {
  /** Registers `identities` with `metadataOf` each, `concurrency` at a time. */
  const registerAll = async (
    identities: readonly string[],
    metadataOf: (identity: string) => Record<string, number | string | boolean> = () => ({}),
    concurrency = 50,
  ) => {
    for (let start = 0; start < identities.length; start += concurrency) {
      await Promise.all(identities.slice(start, start + concurrency).map((identity) => ctx.register(identity, metadataOf(identity))));
    }
  };
  /** Asserts `identities` ascend strictly (so none repeats and the cursor never went back). */
  const expectAscending = (identities: readonly string[], label: string) => {
    const outOfOrder = identities.findIndex((identity, i) => i > 0 && !((identities[i - 1] as string) < identity));
    expect(outOfOrder, `${label}: index of the first identity not after its predecessor`).toBe(-1);
  };

  describe("pagination", () => {
    it("pages ascend by identity, hold at most `limit`, chain to an empty next_cursor, and total_count is every match", async () => {
      const prefix = ctx.identity("page/limits/");
      const identities = Array.from({ length: 25 }, (_, i) => `${prefix}${pad(i)}`);
      await registerAll(identities.toReversed());
      for (const limit of [1, 2, 7, 24, 25, 26, 100, 0]) {
        const { identities: found, pages, totals } = await enumerateAll(ctx.caller(), under(prefix), { limit });
        const names = found.map((each) => each.identity);
        expect(names, `limit ${limit}`).toEqual(identities);
        expect(pages, `pages with limit ${limit}`).toBeGreaterThanOrEqual(Math.ceil(identities.length / (limit || DEFAULT_PAGE)));
        expect(new Set(totals), `total_count on every page with limit ${limit}`).toEqual(new Set([identities.length]));
      }
      const single = await ctx.caller().enumerate({ filter: under(prefix), limit: 25 });
      expect(single.nextCursor, "the last page has no next_cursor").toBe("");
    });

    it("the order is UTF-16 code unit order (JS `<`), whatever the page size", async () => {
      const prefix = ctx.identity("page/order/");
      const suffixes = ["B", "a", "ä", "z", "~", "10", "9", "😀", "\uFFFD", " ", "a b", "ab", "Z", "", "a\u0000"];
      await registerAll(suffixes.map((suffix) => `${prefix}${suffix}`));
      const expected = sorted(suffixes.map((suffix) => `${prefix}${suffix}`));
      for (const limit of [1, 4, 1000]) {
        const { identities } = await enumerateAll(ctx.caller(), under(prefix), { limit });
        expect(
          identities.map((each) => JSON.stringify(each.identity.slice(prefix.length))),
          `order with limit ${limit}`,
        ).toEqual(expected.map((identity) => JSON.stringify(identity.slice(prefix.length))));
      }
    });

    it("include_metadata returns each identity's metadata; without it none; the times come either way", async () => {
      const prefix = ctx.identity("page/metadata/");
      const identities = ["a", "b", "c", "d", "e"].map((name) => `${prefix}${name}`);
      await Promise.all(
        identities.map((identity, i) => ctx.register(identity, { i, name: identity.slice(prefix.length), odd: i % 2 === 1 })),
      );
      const withMetadata = await enumerateAll(ctx.caller(), under(prefix), { limit: 2, includeMetadata: true });
      expect(withMetadata.identities.map((each) => each.identity)).toEqual(identities);
      withMetadata.identities.forEach((each, i) => {
        expect(plainMetadata(each.metadata), each.identity).toEqual({ i, name: each.identity.slice(prefix.length), odd: i % 2 === 1 });
        expect(each.registeredAtMs, each.identity).toBeGreaterThan(0n);
        expect(each.expiresAtMs, each.identity).toBeGreaterThan(each.registeredAtMs);
      });
      const without = await enumerateAll(ctx.caller(), under(prefix), { limit: 2, includeMetadata: false });
      expect(without.identities.map((each) => each.identity)).toEqual(identities);
      for (const each of without.identities) {
        expect(each.metadata, each.identity).toEqual({});
        expect(each.expiresAtMs, each.identity).toBeGreaterThan(each.registeredAtMs);
      }
    });

    it("a filter that matches a few of many pages through only its matches, with total_count of the matches", async () => {
      const prefix = ctx.identity("page/sparse/");
      const identities = Array.from({ length: 60 }, (_, i) => `${prefix}${pad(i)}`);
      await registerAll(identities, (identity) => ({ third: Number(identity.slice(-3)) % 3 === 0 }));
      const expected = identities.filter((_, i) => i % 3 === 0);
      for (const limit of [1, 4, 1000]) {
        const { identities: found, totals } = await enumerateAll(ctx.caller(), under(prefix, where("third", Comparison.EQ, true)), {
          limit,
        });
        expect(
          found.map((each) => each.identity),
          `limit ${limit}`,
        ).toEqual(expected);
        expect(new Set(totals), `total_count with limit ${limit}`).toEqual(new Set([expected.length]));
      }
    });

    it(`limit 0 pages by the default ${DEFAULT_PAGE}; a limit over ${MAX_PAGE} is capped at ${MAX_PAGE}`, {
      timeout: 120_000,
    }, async () => {
      const prefix = ctx.identity("page/sizes/");
      const identities = Array.from({ length: MAX_PAGE + 50 }, (_, i) => `${prefix}${String(i).padStart(4, "0")}`);
      await registerAll(identities);
      const byDefault = await ctx.caller().enumerate({ filter: under(prefix), limit: 0 });
      expect(byDefault.identities.length, "identities on a page of limit 0").toBeGreaterThan(0);
      expect(byDefault.identities.length, "identities on a page of limit 0").toBeLessThanOrEqual(DEFAULT_PAGE);
      expect(byDefault.nextCursor).not.toBe("");
      expect(byDefault.totalCount).toBe(identities.length);
      const capped = await ctx.caller().enumerate({ filter: under(prefix), limit: 50_000 });
      expect(capped.identities.length, "identities on a page of limit 50000").toBeGreaterThan(0);
      expect(capped.identities.length, "identities on a page of limit 50000").toBeLessThanOrEqual(MAX_PAGE);
      expect(capped.nextCursor).not.toBe("");
      expect(capped.totalCount).toBe(identities.length);
      const all = await enumerateAll(ctx.caller(), under(prefix), { limit: 0 });
      expect(all.identities.map((each) => each.identity)).toEqual(identities);
    });

    it("total_count follows registrations and removals", async () => {
      const prefix = ctx.identity("page/count/");
      const identities = Array.from({ length: 10 }, (_, i) => `${prefix}${pad(i)}`);
      await registerAll(identities);
      expect((await ctx.caller().enumerate({ filter: under(prefix), limit: 3 })).totalCount).toBe(10);
      for (const identity of identities.slice(0, 3)) await ctx.caller().unregister({ identity });
      expect((await ctx.caller().enumerate({ filter: under(prefix), limit: 3 })).totalCount).toBe(7);
      await ctx.register(`${prefix}new`);
      expect((await ctx.caller().enumerate({ filter: under(prefix), limit: 3 })).totalCount).toBe(8);
      expect(
        (await ctx.caller().enumerate({ filter: under(prefix, where("identity", Comparison.SUFFIX, "9")), limit: 3 })).totalCount,
      ).toBe(1);
    });

    it("a cursor stays valid when the identity it points after is removed; later registrations after it are found", async () => {
      const prefix = ctx.identity("page/cursor-gone/");
      const identities = Array.from({ length: 20 }, (_, i) => `${prefix}${pad(i)}`);
      await registerAll(identities);
      const first = await ctx.caller().enumerate({ filter: under(prefix), limit: 5 });
      expect(first.identities.map((each) => each.identity)).toEqual(identities.slice(0, 5));
      await ctx.caller().unregister({ identity: `${prefix}${pad(4)}` });
      await ctx.caller().unregister({ identity: `${prefix}${pad(5)}` });
      await ctx.register(`${prefix}${pad(4)}a`);
      await ctx.register(`${prefix}${pad(3)}a`);
      const rest = await ctx.caller().enumerate({ filter: under(prefix), cursor: first.nextCursor, limit: 1000 });
      expect(rest.identities.map((each) => each.identity)).toEqual([`${prefix}${pad(4)}a`, ...identities.slice(6)]);
      expect(rest.nextCursor).toBe("");
    });

    it("a malformed cursor is INVALID_ARGUMENT", async () => {
      const prefix = ctx.identity("page/bad-cursor/");
      await ctx.register(`${prefix}a`);
      for (const cursor of ["this is not a cursor!", "%%%", '{"after":"x"}', "reg1"]) {
        await expectCode(ctx.caller().enumerate({ filter: under(prefix), cursor, limit: 10 }), Code.InvalidArgument);
      }
    });

    it("registrations, removals, replaces and heartbeats during paging: no identity twice, none skipped that stayed", {
      timeout: 120_000,
    }, async () => {
      const prefix = ctx.identity("page/churn/");
      const name = (n: number) => `${prefix}${pad(n)}`;
      const stay = Array.from({ length: 150 }, (_, i) => name(2 * i));
      const volatile = Array.from({ length: 150 }, (_, i) => name(2 * i + 1));
      await registerAll([...stay, ...volatile]);
      const added: string[] = [];
      const removable = [...volatile];
      const pick = <T>(from: T[]): T | undefined => from.splice(Math.floor(Math.random() * from.length), 1)[0];
      const anyStay = () => stay[Math.floor(Math.random() * stay.length)] as string;
      let counter = 0;
      /** One round of changes: remove volatile ones, add new ones anywhere, replace and heartbeat some that stay. */
      const churn = async () => {
        const jobs: Promise<unknown>[] = [];
        for (let i = 0; i < 3; i++) {
          const gone = pick(removable);
          if (gone !== undefined) jobs.push(ctx.caller().unregister({ identity: gone }));
          const fresh = `${name(Math.floor(Math.random() * 300))}-n${counter++}`;
          added.push(fresh);
          jobs.push(ctx.register(fresh));
        }
        jobs.push(ctx.register(anyStay(), { replaced: true }, { replace: true }));
        jobs.push(ctx.caller().heartbeat({ identity: anyStay(), ttlMs: LONG_TTL_MS }));
        await Promise.all(jobs);
      };
      let paging = true;
      const background = (async () => {
        while (paging) await churn();
      })();
      let result: Awaited<ReturnType<typeof enumerateAll>>;
      try {
        result = await enumerateAll(ctx.caller(), under(prefix), { limit: 7, betweenPages: churn });
      } finally {
        paging = false;
        await background;
      }
      const found = result.identities.map((each) => each.identity);
      expect(repeatedIn(found).slice(0, 10), "identities returned twice").toEqual([]);
      expectAscending(found, "churned enumeration");
      const seen = new Set(found);
      const skipped = stay.filter((identity) => !seen.has(identity));
      expect(skipped.slice(0, 10), `${skipped.length} identities that stayed registered were skipped`).toEqual([]);
      const known = new Set([...stay, ...volatile, ...added]);
      expect(found.filter((identity) => !known.has(identity)).slice(0, 10), "identities never registered").toEqual([]);
      expect(result.pages, "the enumeration took several pages").toBeGreaterThan(10);
    });
  });
}
