// Unit tests of LocalSubscription: id and filter, delivery and iteration, a bounded buffer that drops,
// ack → 0, idempotent close with one onEnd, and ending on an abort signal (also one aborted before).
import { describe, expect, it } from "vitest";
import { queuedIds as drain, testMessage } from "../../test/local-messages.js";
import { LocalSubscription } from "./local-subscription.js";
import type { PubSubMessage } from "./pubsub-backend.js";

const message = (id: string): PubSubMessage => testMessage("t", id);

function make(bufferSize = 4): { subscription: LocalSubscription; ended: LocalSubscription[] } {
  const ended: LocalSubscription[] = [];
  const subscription = new LocalSubscription("p-s1", "orders.*", "g", bufferSize, (sub) => ended.push(sub));
  return { subscription, ended };
}

describe("LocalSubscription", () => {
  it("keeps its id, filter and group and yields delivered messages in order", async () => {
    const { subscription } = make();
    expect([subscription.id, subscription.filter, subscription.group]).toEqual(["p-s1", "orders.*", "g"]);
    expect(subscription.deliver(message("a"))).toBe(true);
    expect(subscription.deliver(message("b"))).toBe(true);
    expect(subscription.pending).toBe(2);
    expect(await drain(subscription)).toEqual(["a", "b"]);
    expect(subscription.pending).toBe(0);
  });

  it("hands a message straight to a waiting reader", async () => {
    const { subscription } = make(1);
    const next = subscription[Symbol.asyncIterator]().next();
    subscription.deliver(message("a"));
    expect(((await next) as IteratorYieldResult<PubSubMessage>).value.messageId).toBe("a");
  });

  it("fills to its buffer size, then drops and counts new messages; hasRoom follows", async () => {
    const { subscription } = make(2);
    expect(subscription.hasRoom).toBe(true);
    subscription.deliver(message("a"));
    subscription.deliver(message("b"));
    expect(subscription.hasRoom).toBe(false);
    expect(subscription.deliver(message("c"))).toBe(false);
    expect(subscription.dropped).toBe(1);
    expect(await drain(subscription)).toEqual(["a", "b"]);
    expect(subscription.hasRoom).toBe(true);
  });

  it("acks nothing: at-most-once returns 0", async () => {
    const { subscription } = make();
    expect(await subscription.ack(["a", "b"])).toBe(0);
  });

  it("close ends a waiting iteration, discards unread messages, calls onEnd once, and is idempotent", async () => {
    const { subscription, ended } = make();
    const waiting = subscription[Symbol.asyncIterator]().next();
    await subscription.close();
    await subscription.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(subscription.isClosed).toBe(true);
    expect(subscription.hasRoom).toBe(false);
    expect(subscription.deliver(message("late"))).toBe(false);
    expect(subscription.pending).toBe(0);
    expect(ended).toEqual([subscription]);
  });

  it("ending the iteration closes it", async () => {
    const { subscription, ended } = make();
    subscription.deliver(message("a"));
    subscription.deliver(message("b"));
    for await (const got of subscription) {
      expect(got.messageId).toBe("a");
      break;
    }
    expect(subscription.isClosed).toBe(true);
    expect(ended).toEqual([subscription]);
  });

  it("ends when its signal aborts, at once for a signal already aborted, and then forgets the signal", async () => {
    const controller = new AbortController();
    const { subscription, ended } = make();
    subscription.bindSignal(controller.signal);
    const waiting = subscription[Symbol.asyncIterator]().next();
    controller.abort();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended).toEqual([subscription]);

    const early = make();
    early.subscription.bindSignal(AbortSignal.abort());
    expect(early.subscription.isClosed).toBe(true);
    expect(early.ended).toEqual([early.subscription]);

    const later = new AbortController();
    const closedFirst = make();
    closedFirst.subscription.bindSignal(later.signal);
    await closedFirst.subscription.close();
    later.abort();
    expect(closedFirst.ended).toHaveLength(1);
  });
});
