// PubSub acceptance cases for at-least-once: Ack reports what was pending, and a group member that
// disconnects without acking has its unacked messages redelivered to another member of the group,
// while the messages it acked are not redelivered.
import { describe, expect, it } from "vitest";
import { idsOf, type PubSubAcceptanceContext } from "./pubsub-acceptance-helpers.js";

/** Messages the first member receives; it acks the first half. */
const RECEIVED = 10;
/** How long redelivery may take (a backend may wait for an ack timeout), in milliseconds. */
const REDELIVERY_BOUND_MS = 90_000;

/** Registers the redelivery cases. */
export function registerPubSubRedeliveryCases(ctx: PubSubAcceptanceContext): void {
  describe("at-least-once redelivery", () => {
    it("ack reports the pending messages it acknowledged; acking them again reports none", async () => {
      const topic = ctx.topic("ack-count");
      const subscriber = await ctx.subscribe(topic, { group: ctx.group("ack-count"), autoAck: false });
      const published = await ctx.publishMany(topic, 3);
      await subscriber.waitForIds(published);
      expect(await subscriber.ack(...published), "acked of the first Ack").toBe(published.length);
      expect(await subscriber.ack(...published), "acked of a repeated Ack").toBe(0);
    });

    it("a member that disconnects without acking has those messages redelivered to another member; acked ones are not", {
      timeout: REDELIVERY_BOUND_MS + 60_000,
    }, async () => {
      const topic = ctx.topic("redelivery");
      const group = ctx.group("redelivery");
      const first = await ctx.subscribe(topic, { group, autoAck: false, maxInFlight: 100 });
      const published = await ctx.publishMany(topic, RECEIVED);
      await first.waitForIds(published);
      const acked = published.slice(0, RECEIVED / 2);
      const unacked = published.slice(RECEIVED / 2);
      expect(await first.ack(...acked), "acked").toBe(acked.length);

      const second = await ctx.subscribe(topic, { group });
      await first.close();
      // The same message ids arriving at the other member is the proof; delivery_attempt is not required to grow.
      await second.waitForIds(unacked, REDELIVERY_BOUND_MS);
      // A message published now arrives after any redelivery that was due with the unacked ones.
      const sentinel = await ctx.publishMany(topic, 1, "sentinel");
      await second.waitForIds(sentinel);
      expect(
        idsOf(second.messages).filter((id) => acked.includes(id)),
        "acked messages that were redelivered",
      ).toEqual([]);
    });
  });
}
