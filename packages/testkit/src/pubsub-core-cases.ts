// PubSub acceptance cases every backend must pass: the round trip of one message (topic, payload,
// metadata, id, publish time, attempt), the announced guarantee, binary and empty payloads, unicode
// metadata, INVALID_ARGUMENT for bad topics and filters, and the `*` and `>` wildcards.
import { Code } from "@connectrpc/connect";
import { DeliveryGuarantee, type Message } from "@prism/proto/pubsub/v1";
import { describe, expect, it } from "vitest";
import { expectCode, expectSameBytes, text, utf8 } from "./keyvalue-acceptance-helpers.js";
import type { PubSubAcceptanceContext } from "./pubsub-acceptance-helpers.js";

/** How far a message's published_at_ms may be from this test's clock (same machine, loose on purpose). */
const CLOCK_SLACK_MS = 10 * 60_000;

/** The distinct topics of `messages`, sorted (redeliveries under at-least-once count once). */
function topicsOf(messages: readonly Message[]): string[] {
  return [...new Set(messages.map((message) => message.topic))].sort();
}

/** Registers the core cases. */
export function registerPubSubCoreCases(ctx: PubSubAcceptanceContext): void {
  describe("core", () => {
    it("a published message arrives with its topic, payload, metadata, message id, publish time and attempt", async () => {
      const topic = ctx.topic("round-trip");
      const subscriber = await ctx.subscribe(topic);
      const payload = utf8("hello, subscribers");
      const metadata = { "content-type": "text/plain", trace: "abc-123" };
      const before = Date.now();
      const { messageId } = await ctx.caller().publish({ topic, payload, metadata });
      expect(messageId, "Publish returns a message id").not.toBe("");
      const [message] = await subscriber.waitFor(1);
      expect(message).toBeDefined();
      if (!message) return;
      expect(message.topic).toBe(topic);
      expectSameBytes(message.payload, payload);
      expect(message.metadata).toEqual(metadata);
      expect(message.messageId, "message_id equals the id Publish returned").toBe(messageId);
      expect(message.publishedAtMs).toBeGreaterThan(0n);
      const publishedAt = Number(message.publishedAtMs);
      expect(publishedAt, "published_at_ms is Unix milliseconds near now").toBeGreaterThan(before - CLOCK_SLACK_MS);
      expect(publishedAt, "published_at_ms is Unix milliseconds near now").toBeLessThan(Date.now() + CLOCK_SLACK_MS);
      expect(message.deliveryAttempt).toBeGreaterThanOrEqual(1);
    });

    it("the subscribed event names the subscription and announces the claimed guarantee", async () => {
      const first = await ctx.subscribe(ctx.topic("announce"));
      const second = await ctx.subscribe(ctx.topic("announce"));
      expect(first.subscriptionId).not.toBe("");
      expect(first.subscriptionId, "subscription ids are unique").not.toBe(second.subscriptionId);
      const claimed = ctx.capabilities.guarantee === "at-least-once" ? DeliveryGuarantee.AT_LEAST_ONCE : DeliveryGuarantee.AT_MOST_ONCE;
      expect(DeliveryGuarantee[first.guarantee]).toBe(DeliveryGuarantee[claimed]);
      expect(DeliveryGuarantee[second.guarantee]).toBe(DeliveryGuarantee[claimed]);
    });

    it("message ids of distinct publishes differ", async () => {
      const ids = await ctx.publishMany(ctx.topic("distinct-ids"), 20);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("payloads holding every byte value 0..255, a single zero byte and no bytes at all arrive intact", async () => {
      const topic = ctx.topic("binary");
      const subscriber = await ctx.subscribe(topic);
      const ascending = Uint8Array.from({ length: 256 }, (_, i) => i);
      const payloads = [new Uint8Array([...ascending, ...ascending.toReversed(), 0, 0, 255, 0]), new Uint8Array([0]), new Uint8Array(0)];
      const ids: string[] = [];
      for (const payload of payloads) ids.push((await ctx.caller().publish({ topic, payload })).messageId);
      const received = await subscriber.waitForIds(ids);
      payloads.forEach((payload, i) => {
        const message = received.find((candidate) => candidate.messageId === ids[i]);
        expect(message, `message ${i}`).toBeDefined();
        if (message) expectSameBytes(message.payload, payload);
      });
    });

    it("metadata round-trips: unicode keys and values, punctuation, empty values; none arrives as none", async () => {
      const topic = ctx.topic("metadata");
      const subscriber = await ctx.subscribe(topic);
      const metadata = {
        "content-type": "application/json; charset=utf-8",
        ключ: "значение",
        emoji: "🔑 ✓ 漢字",
        "spaced key": "a value: with, punctuation = \"quotes\" and 'apostrophes'",
        "X-Mixed-Case": "MiXeD",
        empty: "",
      };
      const withMetadata = (await ctx.caller().publish({ topic, payload: utf8("with"), metadata })).messageId;
      const without = (await ctx.caller().publish({ topic, payload: utf8("without") })).messageId;
      const received = await subscriber.waitForIds([withMetadata, without]);
      const byId = new Map(received.map((message) => [message.messageId, message]));
      expect(byId.get(withMetadata)?.metadata).toEqual(metadata);
      expect(text(byId.get(withMetadata)?.payload ?? new Uint8Array())).toBe("with");
      expect(byId.get(without)?.metadata).toEqual({});
    });

    it("publishing to an invalid topic is INVALID_ARGUMENT", async () => {
      const base = ctx.topic("invalid");
      const topics = [
        "",
        `${base}..x`,
        `.${base}`,
        `${base}.`,
        `${base}.has space`,
        `${base}.*`,
        `${base}.>`,
        ">",
        `${base}.ключ`,
        `${base}/x`,
      ];
      // 256 characters, one over the limit.
      topics.push(`${base}.${"x".repeat(255 - base.length)}`);
      for (const topic of topics) {
        await expectCode(ctx.caller().publish({ topic, payload: utf8("never delivered") }), Code.InvalidArgument);
      }
    });

    it("subscribing to an invalid topic filter is INVALID_ARGUMENT", async () => {
      const base = ctx.topic("invalid-filter");
      for (const filter of ["", `${base}..x`, `${base}.>.x`, `${base}.>x`, `${base}.a*`, `${base}.has space`]) {
        await expectCode(ctx.subscribe(filter), Code.InvalidArgument);
      }
    });

    it("`<prefix>.*` receives <prefix>.a and <prefix>.b but neither <prefix>.a.b nor <prefix> itself", async () => {
      const base = ctx.topic("wild-star");
      const star = await ctx.subscribe(`${base}.*`);
      // Published first, so a filter matching them wrongly would deliver them before the expected ones.
      await ctx.caller().publish({ topic: base, payload: utf8("base") });
      await ctx.caller().publish({ topic: `${base}.a.b`, payload: utf8("a.b") });
      const expected = [
        (await ctx.caller().publish({ topic: `${base}.a`, payload: utf8("a") })).messageId,
        (await ctx.caller().publish({ topic: `${base}.b`, payload: utf8("b") })).messageId,
      ];
      await star.waitForIds(expected);
      expect(topicsOf(star.messages)).toEqual([`${base}.a`, `${base}.b`]);
    });

    it("`<prefix>.>` receives <prefix>.a, <prefix>.b and <prefix>.a.b but not <prefix> itself", async () => {
      const base = ctx.topic("wild-rest");
      const rest = await ctx.subscribe(`${base}.>`);
      await ctx.caller().publish({ topic: base, payload: utf8("base") });
      const expected: string[] = [];
      for (const suffix of ["a.b", "a", "b"]) {
        expected.push((await ctx.caller().publish({ topic: `${base}.${suffix}`, payload: utf8(suffix) })).messageId);
      }
      await rest.waitForIds(expected);
      expect(topicsOf(rest.messages)).toEqual([`${base}.a`, `${base}.a.b`, `${base}.b`]);
    });

    if (ctx.capabilities.guarantee === "at-most-once") {
      it("ack on an at-most-once subscription is accepted and acks nothing", async () => {
        const topic = ctx.topic("ack-at-most-once");
        const subscriber = await ctx.subscribe(topic);
        const [id] = await ctx.publishMany(topic, 1);
        await subscriber.waitFor(1);
        expect(await subscriber.ack(id ?? "")).toBe(0);
      });
    }
  });
}
