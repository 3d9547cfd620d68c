// PubSub acceptance cases for durable groups: a message published while no member of a group is
// attached is kept and delivered when a member attaches afterwards.
import { describe, it } from "vitest";
import { expectExactly, type PubSubAcceptanceContext } from "./pubsub-acceptance-helpers.js";

/** How long delivery to a late member may take, in milliseconds. */
const LATE_DELIVERY_BOUND_MS = 30_000;

/** Registers the durability cases. */
export function registerPubSubDurableCases(ctx: PubSubAcceptanceContext): void {
  describe("durable groups", () => {
    it("messages published while no member is attached reach the group's next member", {
      timeout: LATE_DELIVERY_BOUND_MS + 30_000,
    }, async () => {
      const topic = ctx.topic("durable");
      const group = ctx.group("durable");
      // The suite first creates the group by subscribing once and leaving, for backends whose durable
      // consumer must exist before messages are published; the group is fresh, so it has no backlog.
      const creator = await ctx.subscribe(topic, { group });
      await creator.close();
      await ctx.expectBackendSubscriptions();
      const published = await ctx.publishMany(topic, 3, "while-detached");
      const late = await ctx.subscribe(topic, { group });
      await late.waitForIds(published, LATE_DELIVERY_BOUND_MS);
      expectExactly(ctx, late.messages, published, "the late member");
    });
  });
}
