// Acceptance cases for TTL: a key written with ttl_ms expires, a key without one never does, and an
// overwrite replaces the TTL (none clears it, a new one restarts it). Waits poll; nothing sleeps.
import { Code } from "@connectrpc/connect";
import { describe, expect, it, vi } from "vitest";
import { type AcceptanceContext, expectCode, scanKeys, text, utf8 } from "./keyvalue-acceptance-helpers.js";

/** A TTL short enough to wait for, in milliseconds. */
const SHORT_TTL = 300n;
/** A TTL that cannot pass during a case, in milliseconds. */
const LONG_TTL = 600_000n;
/** How long a case may wait for a short TTL to pass. */
const EXPIRY_BOUND_MS = 15_000;

/** Registers the TTL cases. */
export function registerTtlCases(ctx: AcceptanceContext): void {
  describe("ttl", () => {
    /** Resolves once `key` is NOT_FOUND, failing after EXPIRY_BOUND_MS. */
    const expired = (key: string) =>
      vi.waitFor(() => expectCode(ctx.caller().get({ key }), Code.NotFound), { timeout: EXPIRY_BOUND_MS, interval: 10 });

    it("a key written with a TTL expires: get is NOT_FOUND, exists false, delete false", { timeout: 30_000 }, async () => {
      const kv = ctx.caller();
      const key = ctx.key("ttl:expires:key");
      // A second is ample for the read right after the write; then we wait for it to pass.
      await kv.set({ key, value: utf8("soon gone"), ttlMs: 1_000n });
      expect(text((await kv.get({ key })).value)).toBe("soon gone");
      await expired(key);
      expect((await kv.exists({ key })).exists).toBe(false);
      if (ctx.capabilities.scan) expect(await scanKeys(kv, ctx.key("ttl:expires:"))).toEqual([]);
      expect((await kv.delete({ key })).deleted).toBe(false);
    });

    it("a key written without a TTL is still there after a TTL key written with it expired", { timeout: 30_000 }, async () => {
      const kv = ctx.caller();
      const forever = ctx.key("ttl:no-ttl:forever");
      const brief = ctx.key("ttl:no-ttl:brief");
      await kv.set({ key: forever, value: utf8("stays") });
      await kv.set({ key: brief, value: utf8("goes"), ttlMs: SHORT_TTL });
      await expired(brief);
      expect(text((await kv.get({ key: forever })).value)).toBe("stays");
    });

    it("overwriting without a TTL clears the TTL", { timeout: 30_000 }, async () => {
      const kv = ctx.caller();
      const key = ctx.key("ttl:clear:key");
      const marker = ctx.key("ttl:clear:marker");
      await kv.set({ key, value: utf8("old"), ttlMs: SHORT_TTL });
      // Written after `key` with the same TTL: once it is gone, the original TTL of `key` has passed too.
      await kv.set({ key: marker, value: utf8("marker"), ttlMs: SHORT_TTL });
      await kv.set({ key, value: utf8("new") });
      await expired(marker);
      expect(text((await kv.get({ key })).value)).toBe("new");
    });

    it("overwriting with a new TTL restarts it, longer or shorter", { timeout: 30_000 }, async () => {
      const kv = ctx.caller();
      const key = ctx.key("ttl:reset:key");
      const marker = ctx.key("ttl:reset:marker");
      await kv.set({ key, value: utf8("old"), ttlMs: SHORT_TTL });
      await kv.set({ key: marker, value: utf8("marker"), ttlMs: SHORT_TTL });
      await kv.set({ key, value: utf8("longer"), ttlMs: LONG_TTL });
      await expired(marker);
      expect(text((await kv.get({ key })).value)).toBe("longer");
      await kv.set({ key, value: utf8("shorter"), ttlMs: SHORT_TTL });
      await expired(key);
    });
  });
}
