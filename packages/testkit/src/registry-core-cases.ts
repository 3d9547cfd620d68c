// Multicast Registry acceptance cases every backend must pass: register and get with typed metadata,
// conflicts and replace, heartbeat, idempotent unregister, and INVALID_ARGUMENT for bad identities,
// metadata and TTLs.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { expectCode } from "./keyvalue-acceptance-helpers.js";
import { LONG_TTL_MS, plainMetadata, type RegistryAcceptanceContext, type ValueInit, wireMetadata } from "./registry-acceptance-helpers.js";

/** How far a timestamp may be from this test's clock (same machine, loose on purpose). */
const CLOCK_SLACK_MS = 10 * 60_000;
/** How far expires_at may be from registered_at + ttl (both come from the backend; loose on purpose). */
const EXPIRY_SLACK_MS = 5_000;
/** The documented default TTL of a registration that passes ttl_ms 0 (limits.defaultRegistrationTtlMs). */
const DEFAULT_TTL_MS = 60_000;
/** The documented longest TTL (limits.maxRegistrationTtlMs). */
const MAX_TTL_MS = 86_400_000n;

/** Asserts `ms` is Unix milliseconds near now. */
function expectNearNow(ms: bigint, what: string): void {
  expect(Number(ms), `${what} is Unix milliseconds near now`).toBeGreaterThan(Date.now() - CLOCK_SLACK_MS);
  expect(Number(ms), `${what} is Unix milliseconds near now`).toBeLessThan(Date.now() + CLOCK_SLACK_MS);
}

/** Registers the core cases. */
export function registerRegistryCoreCases(ctx: RegistryAcceptanceContext): void {
  describe("core", () => {
    it("register answers registered_at and expires_at; get returns the identity, its metadata and the same times", async () => {
      const identity = ctx.identity("core/round-trip");
      const metadata = { type: "sensor", floor: 2, active: true, tags: ["temp", "hum"] };
      const registered = await ctx.register(identity, metadata, { ttlMs: 120_000n });
      expectNearNow(registered.registeredAtMs, "registered_at_ms");
      const lifetime = Number(registered.expiresAtMs - registered.registeredAtMs);
      expect(lifetime, "expires_at_ms - registered_at_ms is the TTL").toBeGreaterThan(120_000 - EXPIRY_SLACK_MS);
      expect(lifetime, "expires_at_ms - registered_at_ms is the TTL").toBeLessThan(120_000 + EXPIRY_SLACK_MS);
      const found = (await ctx.caller().get({ identity })).identity;
      expect(found?.identity).toBe(identity);
      expect(plainMetadata(found?.metadata ?? {})).toEqual(metadata);
      expect(found?.registeredAtMs).toBe(registered.registeredAtMs);
      expect(found?.expiresAtMs).toBe(registered.expiresAtMs);
    });

    it("metadata round-trips: every value type, unicode, empty string, empty list, extreme numbers; none is none", async () => {
      const identity = ctx.identity("core/metadata");
      const metadata = {
        text: "значение 🔑 漢字",
        empty: "",
        "dotted.name_with-dash": 'a value: with, punctuation = "quotes"',
        zero: 0,
        negative: -17.25,
        tiny: 5e-324,
        huge: Number.MAX_VALUE,
        integer: 9007199254740991,
        yes: true,
        no: false,
        list: ["b", "a", "b", "", "ключ"],
        none: [],
        Upper: "MiXeD",
      };
      await ctx.register(identity, metadata);
      expect(plainMetadata((await ctx.caller().get({ identity })).identity?.metadata ?? {})).toEqual(metadata);
      const bare = ctx.identity("core/metadata-none");
      await ctx.register(bare);
      expect((await ctx.caller().get({ identity: bare })).identity?.metadata).toEqual({});
    });

    it("registering a live identity again is ALREADY_EXISTS and leaves it as it was", async () => {
      const identity = ctx.identity("core/conflict");
      const first = await ctx.register(identity, { version: 1 });
      await expectCode(ctx.register(identity, { version: 2 }), Code.AlreadyExists);
      await expectCode(ctx.register(identity, { version: 3 }, { ttlMs: 1_000n, replace: false }), Code.AlreadyExists);
      const found = (await ctx.caller().get({ identity })).identity;
      expect(plainMetadata(found?.metadata ?? {})).toEqual({ version: 1 });
      expect(found?.expiresAtMs).toBe(first.expiresAtMs);
    });

    it("replace overwrites a live identity's metadata (fields it lacks are gone) and TTL, and registers a new one", async () => {
      const identity = ctx.identity("core/replace");
      await ctx.register(identity, { version: 1, old: "field" }, { ttlMs: 120_000n });
      const replaced = await ctx.register(identity, { version: 2 }, { ttlMs: LONG_TTL_MS, replace: true });
      const found = (await ctx.caller().get({ identity })).identity;
      expect(plainMetadata(found?.metadata ?? {})).toEqual({ version: 2 });
      expect(found?.expiresAtMs).toBe(replaced.expiresAtMs);
      expect(Number(replaced.expiresAtMs - replaced.registeredAtMs)).toBeGreaterThan(Number(LONG_TTL_MS) - EXPIRY_SLACK_MS);
      const fresh = ctx.identity("core/replace-new");
      await ctx.register(fresh, { version: 1 }, { replace: true });
      expect(plainMetadata((await ctx.caller().get({ identity: fresh })).identity?.metadata ?? {})).toEqual({ version: 1 });
    });

    it("ttl_ms 0 registers with the documented default TTL (60 s)", async () => {
      const identity = ctx.identity("core/default-ttl");
      const registered = await ctx.register(identity, {}, { ttlMs: 0n });
      const lifetime = Number(registered.expiresAtMs - registered.registeredAtMs);
      expect(lifetime).toBeGreaterThan(DEFAULT_TTL_MS - EXPIRY_SLACK_MS);
      expect(lifetime).toBeLessThan(DEFAULT_TTL_MS + EXPIRY_SLACK_MS);
    });

    it("get of an identity never registered is NOT_FOUND", async () => {
      await expectCode(ctx.caller().get({ identity: ctx.identity("core/never") }), Code.NotFound);
    });

    it("heartbeat answers the new expiry (ttl_ms 0 renews by the registered TTL) and get agrees; NOT_FOUND when unknown", async () => {
      const identity = ctx.identity("core/heartbeat");
      const registered = await ctx.register(identity, { keep: "me" }, { ttlMs: 120_000n });
      const renewed = await ctx.caller().heartbeat({ identity, ttlMs: 0n });
      expect(renewed.expiresAtMs, "ttl 0 renews by the registered TTL from now").toBeGreaterThanOrEqual(registered.expiresAtMs);
      expect(Number(renewed.expiresAtMs) - Date.now(), "ttl 0 renews by the registered 120 s").toBeLessThan(120_000 + EXPIRY_SLACK_MS);
      const longer = await ctx.caller().heartbeat({ identity, ttlMs: 3_600_000n });
      expect(Number(longer.expiresAtMs - renewed.expiresAtMs), "ttl_ms 3600000 extends by about an hour").toBeGreaterThan(3_000_000);
      const found = (await ctx.caller().get({ identity })).identity;
      expect(found?.expiresAtMs).toBe(longer.expiresAtMs);
      expect(found?.registeredAtMs, "a heartbeat does not re-register").toBe(registered.registeredAtMs);
      expect(plainMetadata(found?.metadata ?? {}), "a heartbeat keeps the metadata").toEqual({ keep: "me" });
      await expectCode(ctx.caller().heartbeat({ identity: ctx.identity("core/heartbeat-unknown"), ttlMs: 0n }), Code.NotFound);
    });

    it("unregister removes once (removed true, then false), get is NOT_FOUND, and registering again needs no replace", async () => {
      const identity = ctx.identity("core/unregister");
      await ctx.register(identity, { round: 1 });
      expect((await ctx.caller().unregister({ identity })).removed).toBe(true);
      expect((await ctx.caller().unregister({ identity })).removed).toBe(false);
      await expectCode(ctx.caller().get({ identity }), Code.NotFound);
      await expectCode(ctx.caller().heartbeat({ identity, ttlMs: 0n }), Code.NotFound);
      await ctx.register(identity, { round: 2 });
      expect(plainMetadata((await ctx.caller().get({ identity })).identity?.metadata ?? {})).toEqual({ round: 2 });
      expect((await ctx.caller().unregister({ identity: ctx.identity("core/unregister-never") })).removed).toBe(false);
    });

    it("identities are plain strings: unicode, punctuation, pattern characters and the full 256 characters", async () => {
      const names = [
        ctx.identity("core/chars/устройство-🔑"),
        ctx.identity("core/chars/a*?[]\\{x,y}"),
        ctx.identity("core/chars/with space:and|pipes%20"),
        ctx.identity("core/chars/"),
      ];
      const base = ctx.identity("core/chars/long-");
      names.push(base + "x".repeat(256 - base.length));
      for (const identity of names) {
        await ctx.register(identity, { name: identity });
        const found = (await ctx.caller().get({ identity })).identity;
        expect(found?.identity, identity).toBe(identity);
        expect(plainMetadata(found?.metadata ?? {})).toEqual({ name: identity });
      }
    });

    it("an empty or 257-character identity is INVALID_ARGUMENT on every method", async () => {
      const base = ctx.identity("core/too-long-");
      for (const identity of ["", base + "x".repeat(257 - base.length)]) {
        await expectCode(ctx.register(identity), Code.InvalidArgument);
        await expectCode(ctx.caller().get({ identity }), Code.InvalidArgument);
        await expectCode(ctx.caller().heartbeat({ identity, ttlMs: 0n }), Code.InvalidArgument);
        await expectCode(ctx.caller().unregister({ identity }), Code.InvalidArgument);
        await expectCode(ctx.listen(identity), Code.InvalidArgument);
      }
    });

    it("bad metadata is INVALID_ARGUMENT naming the field, and registers nothing", async () => {
      const identity = ctx.identity("core/bad-metadata");
      const badNames = ["", "has space", "ключ", "a/b", "a:b", "x".repeat(129), "identity"];
      for (const name of badNames) {
        const error = await expectCode(
          ctx.caller().register({ identity, metadata: { [name]: { kind: { case: "stringValue", value: "v" } } }, ttlMs: LONG_TTL_MS }),
          Code.InvalidArgument,
        );
        if (name !== "") expect(error.message, `field name ${JSON.stringify(name)}`).toContain(name.slice(0, 64));
      }
      const badValues: Record<string, ValueInit> = {
        unset: {},
        nan: { kind: { case: "numberValue", value: Number.NaN } },
        infinite: { kind: { case: "numberValue", value: Number.POSITIVE_INFINITY } },
        negativeInfinite: { kind: { case: "numberValue", value: Number.NEGATIVE_INFINITY } },
      };
      for (const [name, value] of Object.entries(badValues)) {
        const metadata = { ...wireMetadata({ good: "value" }), [name]: value };
        const error = await expectCode(ctx.caller().register({ identity, metadata, ttlMs: LONG_TTL_MS }), Code.InvalidArgument);
        expect(error.message, `value of ${name}`).toContain(name);
      }
      await expectCode(ctx.caller().get({ identity }), Code.NotFound);
    });

    it("a negative or over-the-limit TTL is INVALID_ARGUMENT on register and heartbeat", async () => {
      const identity = ctx.identity("core/bad-ttl");
      for (const ttlMs of [-1n, -60_000n, MAX_TTL_MS + 1n]) {
        await expectCode(ctx.register(identity, {}, { ttlMs }), Code.InvalidArgument);
      }
      await expectCode(ctx.caller().get({ identity }), Code.NotFound);
      await ctx.register(identity, {}, { ttlMs: MAX_TTL_MS });
      for (const ttlMs of [-1n, MAX_TTL_MS + 1n]) {
        await expectCode(ctx.caller().heartbeat({ identity, ttlMs }), Code.InvalidArgument);
      }
      await ctx.caller().heartbeat({ identity, ttlMs: MAX_TTL_MS });
    });
  });
}
