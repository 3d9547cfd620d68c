// PubSub acceptance cases for consumer groups: members of one group share the messages (each to
// exactly one member) while another group and an ungrouped subscriber each get all of them; a member
// that leaves stops taking a share; a malformed group name is INVALID_ARGUMENT.
import { Code } from "@connectrpc/connect";
import { describe, expect, it, vi } from "vitest";
import { expectCode } from "./keyvalue-acceptance-helpers.js";
import {
  duplicatesOf,
  expectExactly,
  firstOccurrences,
  idsOf,
  type PubSubAcceptanceContext,
  waitForShare,
} from "./pubsub-acceptance-helpers.js";
import type { PubSubSubscriber } from "./pubsub-subscriber.js";

/** Messages of the sharing case. */
const SHARED = 30;
/** Messages per round of the leaving case, and the most rounds it publishes. */
const ROUND = 10;
const MAX_ROUNDS = 10;

/** Registers the consumer group cases. */
export function registerPubSubGroupCases(ctx: PubSubAcceptanceContext): void {
  describe("groups", () => {
    it(`3 members of a group share ${SHARED} messages; a second group and an ungrouped subscriber each get all`, {
      timeout: 60_000,
    }, async () => {
      const topic = ctx.topic("groups-share");
      const shared = ctx.group("share");
      const other = ctx.group("other");
      const members = await Promise.all([1, 2, 3].map(() => ctx.subscribe(topic, { group: shared })));
      const others = await Promise.all([1, 2].map(() => ctx.subscribe(topic, { group: other })));
      const solo = await ctx.subscribe(topic);
      const published = await ctx.publishMany(topic, SHARED);

      await solo.waitForIds(published);
      expectExactly(ctx, solo.messages, published, "the ungrouped subscriber");
      for (const [label, group] of [
        [`group ${shared} (3 members)`, members],
        [`group ${other} (2 members)`, others],
      ] as const) {
        const received = idsOf(await waitForShare(group, SHARED));
        // Acked on arrival (at-least-once) or never redelivered (at-most-once): no message goes to two members.
        expect(duplicatesOf(received), `${label}: messages delivered to more than one member or twice`).toEqual([]);
        expect(received.length, `${label}: messages received by all members together`).toBe(SHARED);
        expect(new Set(received), `${label}: the messages received`).toEqual(new Set(published));
      }
    });

    it("a member that leaves stops taking a share: the remaining member gets every later message", { timeout: 120_000 }, async () => {
      const topic = ctx.topic("groups-leave");
      const group = ctx.group("leave");
      const leaving = await ctx.subscribe(topic, { group });
      const staying = await ctx.subscribe(topic, { group });
      const warmUp = await ctx.publishMany(topic, 4, "warm-up");
      await waitForShare([leaving, staying], warmUp.length);
      await leaving.close();
      await ctx.expectBackendSubscriptions();
      // Without a subscription counter the suite cannot see when the backend let go of the closed member,
      // so it publishes rounds until one arrives complete at the remaining member.
      const round = await completeRound(ctx, topic, staying);
      expect(round, `a round of ${ROUND} messages arrived complete at the remaining member`).toBeLessThan(MAX_ROUNDS);
      if (ctx.countsSubscriptions()) expect(round, "rounds needed once the backend released the closed member").toBe(0);
      expect(firstOccurrences(idsOf(leaving.messages)).length).toBeLessThanOrEqual(warmUp.length);
    });

    it("a malformed group name is INVALID_ARGUMENT", async () => {
      const topic = ctx.topic("groups-invalid");
      for (const group of ["has space", "dot.ted", "x".repeat(65), "ключ"]) {
        await expectCode(ctx.subscribe(topic, { group }), Code.InvalidArgument);
      }
    });
  });
}

/** Publishes rounds of ROUND messages until `member` got one complete; returns its number (MAX_ROUNDS = none did). */
async function completeRound(ctx: PubSubAcceptanceContext, topic: string, member: PubSubSubscriber): Promise<number> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const ids = await ctx.publishMany(topic, ROUND, `round-${round}`);
    const complete = await vi
      .waitFor(
        () => {
          const seen = new Set(idsOf(member.messages));
          if (ids.every((id) => seen.has(id))) return true;
          throw new Error(`round ${round} incomplete`);
        },
        { timeout: 5_000, interval: 10 },
      )
      .catch(() => false);
    if (complete) return round;
  }
  return MAX_ROUNDS;
}
