// Multicast Registry acceptance cases for the documented default limits: metadata fields and bytes of
// one identity, Multicast payload, metadata and timeout, and (on a subject's `limited` registry) the
// identity limit: a new identity past it is RESOURCE_EXHAUSTED, replacing, removing and expiring free it.
import { Code } from "@connectrpc/connect";
import { describe, expect, it, vi } from "vitest";
import { expectCode } from "./keyvalue-acceptance-helpers.js";
import {
  enumerateAll,
  identityPrefix,
  LONG_TTL_MS,
  type RegistryAcceptanceContext,
  under,
  wireMetadata,
} from "./registry-acceptance-helpers.js";

/** limits.maxIdentityMetadataEntries by default. */
const MAX_FIELDS = 32;
/** limits.maxIdentityMetadataBytes by default. */
const MAX_METADATA_BYTES = 8192;
/** limits.maxPayloadBytes by default (PubSub's, shared). */
const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** limits.maxMetadataEntries by default (PubSub's, shared). */
const MAX_MESSAGE_METADATA = 64;
/** limits.maxMulticastTimeoutMs by default. */
const MAX_MULTICAST_TIMEOUT_MS = 60_000;

/** `count` metadata fields f00, f01, ... with short string values. */
function fields(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${String(i).padStart(2, "0")}`, `v${i}`]));
}

/** Registers the limit cases. */
export function registerRegistryLimitCases(ctx: RegistryAcceptanceContext): void {
  describe("limits", () => {
    it(`an identity holds up to ${MAX_FIELDS} metadata fields and about ${MAX_METADATA_BYTES} bytes; more is INVALID_ARGUMENT`, async () => {
      const identity = ctx.identity("limits/metadata");
      await ctx.register(identity, fields(MAX_FIELDS));
      const tooMany = ctx.identity("limits/metadata-fields");
      await expectCode(ctx.register(tooMany, fields(MAX_FIELDS + 1)), Code.InvalidArgument);
      const roomy = ctx.identity("limits/metadata-bytes");
      await ctx.register(roomy, { blob: "x".repeat(MAX_METADATA_BYTES - 200) });
      const tooBig = ctx.identity("limits/metadata-too-big");
      await expectCode(ctx.register(tooBig, { blob: "x".repeat(MAX_METADATA_BYTES + 1) }), Code.InvalidArgument);
      await expectCode(ctx.register(tooBig, { list: Array.from({ length: 100 }, () => "y".repeat(100)) }), Code.InvalidArgument);
      // Multi-byte characters count by their UTF-8 bytes.
      await expectCode(ctx.register(tooBig, { blob: "ж".repeat(MAX_METADATA_BYTES / 2 + 10) }), Code.InvalidArgument);
      for (const rejected of [tooMany, tooBig]) await expectCode(ctx.caller().get({ identity: rejected }), Code.NotFound);
    });

    it("a multicast payload, metadata or timeout over its limit is INVALID_ARGUMENT", async () => {
      const identity = ctx.identity("limits/multicast");
      await ctx.register(identity);
      const filter = under(identity);
      await expectCode(ctx.caller().multicast({ filter, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) }), Code.InvalidArgument);
      await expectCode(
        ctx.caller().multicast({ filter, payload: new Uint8Array(1), metadata: fields(MAX_MESSAGE_METADATA + 1) }),
        Code.InvalidArgument,
      );
      await expectCode(
        ctx.caller().multicast({ filter, payload: new Uint8Array(1), timeoutMs: MAX_MULTICAST_TIMEOUT_MS + 1 }),
        Code.InvalidArgument,
      );
      const fine = await ctx
        .caller()
        .multicast({ filter, payload: new Uint8Array(MAX_PAYLOAD_BYTES), metadata: fields(MAX_MESSAGE_METADATA) });
      expect(fine.targetCount).toBe(1);
    });

    it("past limits.maxIdentities a new identity is RESOURCE_EXHAUSTED; replace, unregister and expiry free room", {
      timeout: 60_000,
    }, async ({ skip }) => {
      const limited = ctx.subject().limited;
      if (!limited) return skip("the subject has no `limited` registry");
      const registry = limited.client;
      const prefix = ctx.identity("limits/identities/");
      const register = (identity: string, ttlMs = LONG_TTL_MS, replace = false) =>
        registry.register({ identity, metadata: wireMetadata({ n: 1 }), ttlMs, replace });
      const identities = Array.from({ length: limited.maxIdentities }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
      try {
        for (const identity of identities) await register(identity);
        await expectCode(register(`${prefix}one-too-many`), Code.ResourceExhausted);
        await expectCode(registry.get({ identity: `${prefix}one-too-many` }), Code.NotFound);
        await register(identities[0] as string, LONG_TTL_MS, true);
        await registry.heartbeat({ identity: identities[0] as string, ttlMs: 0n });
        await registry.unregister({ identity: identities[1] as string });
        await register(`${prefix}after-unregister`);
        await expectCode(register(`${prefix}one-too-many`), Code.ResourceExhausted);
        // An expired identity does not count, whenever the backend cleans it up.
        await register(identities[2] as string, ctx.shortTtlMs, true);
        await vi.waitFor(() => expectCode(registry.get({ identity: identities[2] as string }), Code.NotFound), {
          timeout: ctx.expiryBoundMs,
          interval: 10,
        });
        await register(`${prefix}after-expiry`);
        await expectCode(register(`${prefix}one-too-many`), Code.ResourceExhausted);
      } finally {
        const { identities: left } = await enumerateAll(registry, identityPrefix(prefix));
        await Promise.all(left.map((each) => registry.unregister({ identity: each.identity })));
      }
    });
  });
}
