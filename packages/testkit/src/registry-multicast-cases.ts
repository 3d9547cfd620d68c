// Multicast Registry acceptance cases for Listen and Multicast: the `listening` event first, NOT_FOUND
// for an identity that is not registered, DELIVERED / NOT_LISTENING per target with payload, content
// type and metadata intact, the filter choosing the targets, many listeners and concurrent multicasts,
// presence (unregister_on_close) when a Listen stream ends, and listeners released when they close.
import { Code } from "@connectrpc/connect";
import { Comparison, DeliveryStatus, type MulticastResponse } from "@prism/proto/registry/v1";
import { describe, expect, it, vi } from "vitest";
import { expectCode, expectSameBytes, text, utf8 } from "./keyvalue-acceptance-helpers.js";
import { namesMatching, type RegistryAcceptanceContext, under, where } from "./registry-acceptance-helpers.js";

/** How far a delivery's sent_at_ms may be from this test's clock (same machine, loose on purpose). */
const CLOCK_SLACK_MS = 10 * 60_000;
/** timeout_ms of the cases' multicasts: generous, since a listening target answers at once. */
const TIMEOUT_MS = 10_000;

/** Each target's status by identity, as names ("DELIVERED", ...). */
function statusesOf(response: MulticastResponse): Record<string, string> {
  return Object.fromEntries(response.statuses.map((status) => [status.identity, DeliveryStatus[status.status] ?? String(status.status)]));
}

/** Registers the multicast cases. */
export function registerRegistryMulticastCases(ctx: RegistryAcceptanceContext): void {
  describe("multicast", () => {
    it("Listen on an identity that is not registered is NOT_FOUND", async () => {
      await expectCode(ctx.listen(ctx.identity("mc/never-registered")), Code.NotFound);
      const gone = ctx.identity("mc/unregistered");
      await ctx.register(gone);
      await ctx.caller().unregister({ identity: gone });
      await expectCode(ctx.listen(gone), Code.NotFound);
    });

    it("Listen's first event is `listening` naming the identity; no delivery comes without a multicast", async () => {
      const identity = ctx.identity("mc/listening");
      await ctx.register(identity);
      // openListener fails unless the first event is `listening` for this identity.
      const listener = await ctx.listen(identity);
      expect(listener.deliveries).toEqual([]);
      expect(listener.ended).toBe(false);
    });

    it("each target gets DELIVERED or NOT_LISTENING, ordered by identity, and the listeners get the message intact", async () => {
      const prefix = ctx.identity("mc/statuses/");
      const [alpha, beta, gamma] = [`${prefix}alpha`, `${prefix}beta`, `${prefix}gamma`];
      for (const identity of [gamma, alpha, beta]) await ctx.register(identity, { role: "device" });
      const alphaListener = await ctx.listen(alpha);
      const gammaListener = await ctx.listen(gamma);
      const payload = utf8('{"command":"reboot"}');
      const metadata = { trace: "abc-123", ключ: "значение 🔑", empty: "" };
      const before = Date.now();
      const sent = await ctx
        .caller()
        .multicast({ filter: under(prefix), payload, contentType: "application/json", metadata, timeoutMs: TIMEOUT_MS });
      expect(sent.targetCount).toBe(3);
      expect(sent.deliveredCount).toBe(2);
      expect(
        sent.statuses.map((status) => status.identity),
        "statuses ordered by identity",
      ).toEqual([alpha, beta, gamma]);
      expect(statusesOf(sent)).toEqual({ [alpha]: "DELIVERED", [beta]: "NOT_LISTENING", [gamma]: "DELIVERED" });
      const [fromAlpha] = await alphaListener.waitFor(1);
      const [fromGamma] = await gammaListener.waitFor(1);
      for (const delivery of [fromAlpha, fromGamma]) {
        expect(delivery).toBeDefined();
        if (!delivery) return;
        expectSameBytes(delivery.payload, payload);
        expect(delivery.contentType).toBe("application/json");
        expect(delivery.metadata).toEqual(metadata);
        expect(delivery.messageId, "a message id").not.toBe("");
        expect(Number(delivery.sentAtMs), "sent_at_ms is Unix milliseconds near now").toBeGreaterThan(before - CLOCK_SLACK_MS);
        expect(Number(delivery.sentAtMs), "sent_at_ms is Unix milliseconds near now").toBeLessThan(Date.now() + CLOCK_SLACK_MS);
      }
      expect(fromAlpha?.messageId, "one message id per multicast").toBe(fromGamma?.messageId);
    });

    it("the filter chooses the targets: non-matching listeners get nothing; no match is zero targets", async () => {
      const prefix = ctx.identity("mc/filtered/");
      const [hot, cold] = [`${prefix}hot`, `${prefix}cold`];
      await ctx.register(hot, { temperature: 90 });
      await ctx.register(cold, { temperature: 5 });
      const hotListener = await ctx.listen(hot);
      const coldListener = await ctx.listen(cold);
      const toHot = await ctx
        .caller()
        .multicast({ filter: under(prefix, where("temperature", Comparison.GT, 50)), payload: utf8("cool down"), timeoutMs: TIMEOUT_MS });
      expect(statusesOf(toHot)).toEqual({ [hot]: "DELIVERED" });
      const none = await ctx
        .caller()
        .multicast({ filter: under(prefix, where("temperature", Comparison.GT, 1000)), payload: utf8("nobody"), timeoutMs: TIMEOUT_MS });
      expect(none.targetCount).toBe(0);
      expect(none.deliveredCount).toBe(0);
      expect(none.statuses).toEqual([]);
      // Sent after the first one was answered: if that had reached cold, it would have arrived before this one.
      const toCold = await ctx
        .caller()
        .multicast({ filter: under(prefix, where("temperature", Comparison.LT, 50)), payload: utf8("warm up"), timeoutMs: TIMEOUT_MS });
      expect(statusesOf(toCold)).toEqual({ [cold]: "DELIVERED" });
      expect((await hotListener.waitFor(1)).map((delivery) => text(delivery.payload))).toEqual(["cool down"]);
      expect((await coldListener.waitFor(1)).map((delivery) => text(delivery.payload))).toEqual(["warm up"]);
    });

    it("binary, empty and large payloads arrive intact; no content type and no metadata arrive as none", async () => {
      const identity = ctx.identity("mc/payloads");
      await ctx.register(identity);
      const listener = await ctx.listen(identity);
      const ascending = Uint8Array.from({ length: 256 }, (_, i) => i);
      const large = Uint8Array.from({ length: 512 * 1024 }, (_, i) => (i * 31 + 7) % 256);
      const payloads = [
        new Uint8Array([...ascending, ...ascending.toReversed(), 0, 0, 255]),
        new Uint8Array(0),
        new Uint8Array([0]),
        large,
      ];
      for (const payload of payloads) {
        const sent = await ctx.caller().multicast({ filter: under(identity), payload, timeoutMs: TIMEOUT_MS });
        expect(statusesOf(sent)).toEqual({ [identity]: "DELIVERED" });
      }
      const received = await listener.waitFor(payloads.length);
      payloads.forEach((payload, i) => {
        const delivery = received[i];
        expect(delivery, `delivery ${i}`).toBeDefined();
        if (!delivery) return;
        expectSameBytes(delivery.payload, payload);
        expect(delivery.contentType).toBe("");
        expect(delivery.metadata).toEqual({});
      });
      expect(new Set(received.map((delivery) => delivery.messageId)).size, "message ids differ per multicast").toBe(payloads.length);
    });

    it("50 listeners each get every one of several multicasts, once and in order", { timeout: 60_000 }, async () => {
      const prefix = ctx.identity("mc/many/");
      const identities = Array.from({ length: 50 }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
      await Promise.all(identities.map((identity) => ctx.register(identity, { group: "fleet" })));
      const listeners = await Promise.all(identities.map((identity) => ctx.listen(identity)));
      const ids: string[] = [];
      for (let round = 0; round < 3; round++) {
        const sent = await ctx.caller().multicast({
          filter: under(prefix, where("group", Comparison.EQ, "fleet")),
          payload: utf8(`round ${round}`),
          timeoutMs: TIMEOUT_MS,
        });
        expect(sent.targetCount).toBe(50);
        const notDelivered = sent.statuses.filter((status) => status.status !== DeliveryStatus.DELIVERED);
        expect(
          notDelivered.map((status) => `${status.identity}: ${DeliveryStatus[status.status]} ${status.message}`).slice(0, 5),
          `round ${round}`,
        ).toEqual([]);
        expect(sent.deliveredCount).toBe(50);
      }
      for (const listener of listeners) {
        const received = await listener.waitFor(3);
        expect(
          received.map((delivery) => text(delivery.payload)),
          listener.identity,
        ).toEqual(["round 0", "round 1", "round 2"]);
        ids.push(...received.map((delivery) => delivery.messageId));
      }
      expect(new Set(ids).size, "three distinct message ids across all listeners").toBe(3);
    });

    it("concurrent multicasts all reach every listener", { timeout: 60_000 }, async () => {
      const prefix = ctx.identity("mc/concurrent/");
      const identities = Array.from({ length: 10 }, (_, i) => `${prefix}${i}`);
      await Promise.all(identities.map((identity) => ctx.register(identity)));
      const listeners = await Promise.all(identities.map((identity) => ctx.listen(identity)));
      const sent = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          ctx.caller().multicast({ filter: under(prefix), payload: utf8(`m${i}`), timeoutMs: TIMEOUT_MS }),
        ),
      );
      for (const response of sent) expect(response.deliveredCount).toBe(identities.length);
      for (const listener of listeners) {
        const received = await listener.waitFor(8);
        expect(received.map((delivery) => text(delivery.payload)).sort(), listener.identity).toEqual(
          Array.from({ length: 8 }, (_, i) => `m${i}`),
        );
      }
    });

    it("an identity unregistered while listening is no longer a target", async () => {
      const prefix = ctx.identity("mc/unregistered-listener/");
      const [kept, removed] = [`${prefix}kept`, `${prefix}removed`];
      await ctx.register(kept);
      await ctx.register(removed);
      await ctx.listen(kept);
      const removedListener = await ctx.listen(removed);
      await ctx.caller().unregister({ identity: removed });
      const sent = await ctx.caller().multicast({ filter: under(prefix), payload: utf8("after removal"), timeoutMs: TIMEOUT_MS });
      expect(statusesOf(sent)).toEqual({ [kept]: "DELIVERED" });
      expect(removedListener.deliveries).toEqual([]);
    });

    it("a closed listener is released: its identity stays registered and is NOT_LISTENING", async () => {
      const identity = ctx.identity("mc/closed");
      await ctx.register(identity);
      const listener = await ctx.listen(identity);
      await ctx.expectBackendListeners();
      await listener.close();
      await ctx.expectBackendListeners();
      expect((await ctx.caller().get({ identity })).identity?.identity, "without presence the registration outlives its stream").toBe(
        identity,
      );
      await vi.waitFor(
        async () => {
          const sent = await ctx.caller().multicast({ filter: under(identity), payload: utf8("anyone?"), timeoutMs: TIMEOUT_MS });
          expect(statusesOf(sent)).toEqual({ [identity]: "NOT_LISTENING" });
        },
        { timeout: 10_000, interval: 20 },
      );
    });

    it("presence: with unregister_on_close the registration ends when its Listen stream ends", async () => {
      const prefix = ctx.identity("mc/presence/");
      const [present, other] = [`${prefix}present`, `${prefix}other`];
      await ctx.register(present, { kind: "device" });
      await ctx.register(other, { kind: "device" });
      const listener = await ctx.listen(present, { unregisterOnClose: true });
      await ctx.listen(other, { unregisterOnClose: false });
      const sent = await ctx.caller().multicast({ filter: under(prefix), payload: utf8("hello"), timeoutMs: TIMEOUT_MS });
      expect(statusesOf(sent)).toEqual({ [present]: "DELIVERED", [other]: "DELIVERED" });
      await listener.waitFor(1);
      await listener.close();
      await vi.waitFor(() => expectCode(ctx.caller().get({ identity: present }), Code.NotFound), { timeout: 10_000, interval: 10 });
      expect(await namesMatching(ctx.caller(), prefix)).toEqual(["other"]);
      await ctx.expectBackendListeners();
    });

    it("presence ends only its own registration: re-registered after the stream ended, the identity stays", async () => {
      const identity = ctx.identity("mc/presence-again");
      await ctx.register(identity);
      const first = await ctx.listen(identity, { unregisterOnClose: true });
      await first.close();
      await vi.waitFor(() => expectCode(ctx.caller().get({ identity }), Code.NotFound), { timeout: 10_000, interval: 10 });
      await ctx.register(identity, { round: 2 });
      const second = await ctx.listen(identity);
      const sent = await ctx.caller().multicast({ filter: under(identity), payload: utf8("still here"), timeoutMs: TIMEOUT_MS });
      expect(statusesOf(sent)).toEqual({ [identity]: "DELIVERED" });
      expect((await second.waitFor(1)).map((delivery) => text(delivery.payload))).toEqual(["still here"]);
    });
  });
}
