// PubSub acceptance cases for delivery to ungrouped subscribers: fan-out to 3 and to 100 subscribers,
// the order of 1,000 messages from one publisher, closing a subscriber (delivery stops, the backend
// releases it) and 10 concurrent publishers losing nothing.
import { describe, expect, it } from "vitest";
import { utf8 } from "./keyvalue-acceptance-helpers.js";
import { duplicatesOf, expectExactly, firstOccurrences, idsOf, type PubSubAcceptanceContext } from "./pubsub-acceptance-helpers.js";

/** Messages of the order case. */
const ORDERED = 1_000;
/** Publishers and messages per publisher of the concurrency case. */
const PUBLISHERS = 10;
const PER_PUBLISHER = 100;

/** Registers the delivery cases. */
export function registerPubSubDeliveryCases(ctx: PubSubAcceptanceContext): void {
  describe("delivery", () => {
    for (const fanOut of [3, 100]) {
      it(`every one of ${fanOut} subscribers of a topic gets every message`, { timeout: 60_000 }, async () => {
        const topic = ctx.topic(`fan-out-${fanOut}`);
        const subscribers = await Promise.all(Array.from({ length: fanOut }, () => ctx.subscribe(topic)));
        const published = await ctx.publishMany(topic, 10);
        for (const [i, subscriber] of subscribers.entries()) {
          await subscriber.waitForIds(published, 30_000);
          expectExactly(ctx, subscriber.messages, published, `subscriber ${i}`);
        }
      });
    }

    it(`${ORDERED} messages from one publisher arrive in publish order`, { timeout: 120_000 }, async () => {
      const topic = ctx.topic("order");
      const subscriber = await ctx.subscribe(topic);
      const published = await ctx.publishMany(topic, ORDERED);
      await subscriber.waitForIds(published, 60_000);
      const received = idsOf(subscriber.messages);
      if (ctx.capabilities.guarantee === "at-most-once") {
        expect(received.length, "messages received").toBe(ORDERED);
      }
      const order = firstOccurrences(received);
      const firstOutOfOrder = order.findIndex((id, i) => id !== published[i]);
      expect(firstOutOfOrder, "index of the first message received out of publish order").toBe(-1);
    });

    it("a closed subscriber gets nothing more while an open one still receives, and the backend releases it", async () => {
      const topic = ctx.topic("unsubscribe");
      await ctx.expectBackendSubscriptions();
      const leaving = await ctx.subscribe(topic);
      const staying = await ctx.subscribe(topic);
      await ctx.expectBackendSubscriptions();
      const [first = ""] = await ctx.publishMany(topic, 1, "before-close");
      await leaving.waitForIds([first]);
      await staying.waitForIds([first]);
      await leaving.close();
      expect(leaving.ended, "the closed subscriber's stream ended").toBe(true);
      await ctx.expectBackendSubscriptions();
      const afterClose = await ctx.publishMany(topic, 5, "after-close");
      await staying.waitForIds(afterClose);
      expect(
        idsOf(leaving.messages).filter((id) => afterClose.includes(id)),
        "messages the closed subscriber got",
      ).toEqual([]);
      expect(firstOccurrences(idsOf(leaving.messages))).toEqual([first]);
      await staying.close();
      await ctx.expectBackendSubscriptions();
    });

    it(`${PUBLISHERS} concurrent publishers × ${PER_PUBLISHER} messages: every subscriber gets every message`, {
      timeout: 120_000,
    }, async () => {
      const topic = ctx.topic("concurrent-publishers");
      const subscribers = [await ctx.subscribe(topic), await ctx.subscribe(topic)];
      const perPublisher = await Promise.all(
        Array.from({ length: PUBLISHERS }, async (_, p) => {
          const ids: string[] = [];
          for (let i = 0; i < PER_PUBLISHER; i++) {
            ids.push((await ctx.caller().publish({ topic, payload: utf8(`publisher-${p}-${i}`) })).messageId);
          }
          return ids;
        }),
      );
      const published = perPublisher.flat();
      expect(duplicatesOf(published), "message ids returned twice by Publish").toEqual([]);
      for (const [i, subscriber] of subscribers.entries()) {
        await subscriber.waitForIds(published, 60_000);
        expectExactly(ctx, subscriber.messages, published, `subscriber ${i}`);
      }
    });
  });
}
