// Multicast Registry acceptance cases for TTL: once an identity's expires_at has passed, get,
// Enumerate, Multicast, Heartbeat and Listen never see it (whatever the cleanup pace), heartbeats keep it
// alive (ttl_ms 0 by its registered TTL), replace restarts the TTL. Waits poll; nothing asserts on time.
import { Code } from "@connectrpc/connect";
import { describe, expect, it, vi } from "vitest";
import { expectCode, utf8 } from "./keyvalue-acceptance-helpers.js";
import { enumerateAll, LONG_TTL_MS, namesMatching, pause, type RegistryAcceptanceContext, under } from "./registry-acceptance-helpers.js";

/** Registers the TTL cases. */
export function registerRegistryTtlCases(ctx: RegistryAcceptanceContext): void {
  describe("ttl", () => {
    /** Resolves once `identity` is NOT_FOUND, failing after the expiry bound. */
    const expired = (identity: string) =>
      vi.waitFor(() => expectCode(ctx.caller().get({ identity }), Code.NotFound), { timeout: ctx.expiryBoundMs, interval: 10 });
    /** Resolves once the backend's clock (the same machine's) is past `expiresAtMs` by the backend's resolution. */
    const pastExpiry = async (expiresAtMs: bigint) => {
      const wait = Number(expiresAtMs) + ctx.ttlResolutionMs - Date.now();
      if (wait > 0) await pause(wait + 1);
    };
    const timeout = { timeout: 60_000 };

    it(
      "past its expires_at an identity is gone for get, Enumerate, total_count, Multicast and Heartbeat, listener or not",
      timeout,
      async () => {
        const prefix = ctx.identity("ttl/gone/");
        const brief = `${prefix}brief`;
        const stays = `${prefix}stays`;
        const registered = await ctx.register(brief, { kind: "brief" }, { ttlMs: ctx.shortTtlMs });
        await ctx.register(stays, { kind: "stays" });
        const listener = await ctx.listen(brief);
        await pastExpiry(registered.expiresAtMs);
        // No polling from here on: the expiry has passed, so no read may return the identity.
        await expectCode(ctx.caller().get({ identity: brief }), Code.NotFound);
        const page = await ctx.caller().enumerate({ filter: under(prefix), limit: 10 });
        expect(page.identities.map((each) => each.identity)).toEqual([stays]);
        expect(page.totalCount, "total_count counts live identities only").toBe(1);
        const sent = await ctx.caller().multicast({ filter: under(prefix), payload: utf8("to the living"), timeoutMs: 5_000 });
        expect(
          sent.statuses.map((status) => status.identity),
          "an expired identity is no multicast target",
        ).toEqual([stays]);
        expect(sent.targetCount).toBe(1);
        await expectCode(ctx.caller().heartbeat({ identity: brief, ttlMs: LONG_TTL_MS }), Code.NotFound);
        await expectCode(ctx.caller().get({ identity: brief }), Code.NotFound);
        expect((await ctx.caller().unregister({ identity: brief })).removed, "nothing live to remove").toBe(false);
        expect(listener.deliveries, "the expired identity's listener got nothing").toEqual([]);
      },
    );

    it("an identity expires on its own; then it registers again without replace, and Listen is NOT_FOUND", timeout, async () => {
      const identity = ctx.identity("ttl/expires");
      await ctx.register(identity, { round: 1 }, { ttlMs: ctx.shortTtlMs });
      await expired(identity);
      expect(await namesMatching(ctx.caller(), identity)).toEqual([]);
      await expectCode(ctx.listen(identity), Code.NotFound);
      await ctx.register(identity, { round: 2 });
      expect((await ctx.caller().get({ identity })).identity?.identity).toBe(identity);
    });

    it("heartbeats with ttl_ms 0 keep an identity alive past its TTL; once they stop it expires", timeout, async () => {
      const identity = ctx.identity("ttl/kept");
      const marker = ctx.identity("ttl/kept-marker");
      const first = await ctx.register(identity, {}, { ttlMs: ctx.shortTtlMs });
      await ctx.register(marker, {}, { ttlMs: ctx.shortTtlMs });
      let last = first.expiresAtMs;
      const beat = Math.max(20, Math.floor(Number(ctx.shortTtlMs) / 5));
      // Heartbeat until the marker, registered with the same TTL at the same time, has expired.
      await vi.waitFor(
        async () => {
          const renewed = await ctx.caller().heartbeat({ identity, ttlMs: 0n });
          expect(renewed.expiresAtMs, "expires_at never moves back").toBeGreaterThanOrEqual(last);
          last = renewed.expiresAtMs;
          await expectCode(ctx.caller().get({ identity: marker }), Code.NotFound);
        },
        { timeout: ctx.expiryBoundMs, interval: beat },
      );
      expect((await ctx.caller().get({ identity })).identity?.identity, "heartbeated past the TTL it was registered with").toBe(identity);
      expect(await namesMatching(ctx.caller(), identity)).toEqual([""]);
      await expired(identity);
      await expectCode(ctx.caller().heartbeat({ identity, ttlMs: 0n }), Code.NotFound);
      await expectCode(ctx.caller().get({ identity }), Code.NotFound);
    });

    it("a heartbeat with a longer ttl_ms outlives the registered TTL, one with a shorter one ends it sooner", timeout, async () => {
      const identity = ctx.identity("ttl/heartbeat-ttl");
      const marker = ctx.identity("ttl/heartbeat-ttl-marker");
      await ctx.register(identity, {}, { ttlMs: ctx.shortTtlMs });
      await ctx.register(marker, {}, { ttlMs: ctx.shortTtlMs });
      await ctx.caller().heartbeat({ identity, ttlMs: LONG_TTL_MS });
      await expired(marker);
      expect((await ctx.caller().get({ identity })).identity?.identity).toBe(identity);
      await ctx.caller().heartbeat({ identity, ttlMs: ctx.shortTtlMs });
      await expired(identity);
    });

    it("replace restarts the TTL, longer or shorter", timeout, async () => {
      const identity = ctx.identity("ttl/replace");
      const marker = ctx.identity("ttl/replace-marker");
      await ctx.register(identity, { version: 1 }, { ttlMs: ctx.shortTtlMs });
      await ctx.register(marker, {}, { ttlMs: ctx.shortTtlMs });
      await ctx.register(identity, { version: 2 }, { ttlMs: LONG_TTL_MS, replace: true });
      await expired(marker);
      expect((await ctx.caller().get({ identity })).identity?.identity).toBe(identity);
      await ctx.register(identity, { version: 3 }, { ttlMs: ctx.shortTtlMs, replace: true });
      await expired(identity);
    });

    it("many identities expiring together all leave Enumerate, while long-lived ones stay", timeout, async () => {
      const prefix = ctx.identity("ttl/many/");
      const brief = Array.from({ length: 40 }, (_, i) => `${prefix}brief-${String(i).padStart(2, "0")}`);
      const stays = Array.from({ length: 10 }, (_, i) => `${prefix}stays-${i}`);
      const responses = await Promise.all(brief.map((identity) => ctx.register(identity, { i: 1 }, { ttlMs: ctx.shortTtlMs })));
      await Promise.all(stays.map((identity) => ctx.register(identity)));
      const latest = BigInt(Math.max(...responses.map((each) => Number(each.expiresAtMs))));
      await pastExpiry(latest);
      const { identities, totals } = await enumerateAll(ctx.caller(), under(prefix), { limit: 7 });
      expect(identities.map((each) => each.identity)).toEqual(stays);
      expect(new Set(totals)).toEqual(new Set([stays.length]));
    });
  });
}
