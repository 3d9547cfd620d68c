// Shared pieces of the PubSub acceptance cases: the per-run context (caller, unique topic and group
// names, tracked subscribers, capabilities) and helpers over received messages.
import type { Message } from "@prism/proto/pubsub/v1";
import { expect, vi } from "vitest";
import type { PubSubCaller, PubSubCapabilities } from "./pubsub-acceptance-options.js";
import type { PubSubSubscriber, SubscriberOptions } from "./pubsub-subscriber.js";

/** What every group of PubSub cases gets from the suite. */
export interface PubSubAcceptanceContext {
  /** The subject's caller; available once the suite's `beforeAll` has run. */
  caller(): PubSubCaller;
  /** Whether the subject counts its subscriptions (`subscriptionCount`). */
  countsSubscriptions(): boolean;
  /**
   * Waits (bounded) until the backend holds exactly the subscriptions it held before this run plus the
   * subscribers of this run that are still open, i.e. until closed ones are released; a no-op when the
   * subject does not count its subscriptions.
   */
  expectBackendSubscriptions(): Promise<void>;
  /** A topic `<run>.<name>` under this run's unique first level, so runs sharing a backend never collide. */
  topic(name: string): string;
  /** A consumer group name unique to this run. */
  group(name: string): string;
  /** Opens a subscriber that the suite closes after the case; auto-acks under at-least-once unless `autoAck: false`. */
  subscribe(topic: string, options?: SubscriberOptions): Promise<PubSubSubscriber>;
  /** Publishes `count` messages to `topic` one after another (payload `<label>-<i>`); returns their ids in order. */
  publishMany(topic: string, count: number, label?: string): Promise<string[]>;
  /** What the backend claims to support. */
  capabilities: PubSubCapabilities;
}

/** The message ids of `messages`, in arrival order. */
export function idsOf(messages: readonly Message[]): string[] {
  return messages.map((message) => message.messageId);
}

/** Values that occur more than once in `values`, each reported once. */
export function duplicatesOf(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) twice.add(value);
    else seen.add(value);
  }
  return [...twice];
}

/** `values` without repeats, keeping first occurrences in order. */
export function firstOccurrences(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * Asserts that `messages` hold exactly the messages `published` (compared as sets); at-most-once also
 * forbids a message arriving twice, at-least-once allows redeliveries.
 */
export function expectExactly(ctx: PubSubAcceptanceContext, messages: readonly Message[], published: readonly string[], who: string): void {
  const ids = idsOf(messages);
  if (ctx.capabilities.guarantee === "at-most-once") {
    expect(duplicatesOf(ids).slice(0, 10), `${who}: messages delivered twice`).toEqual([]);
  }
  const expected = new Set(published);
  const unexpected = firstOccurrences(ids).filter((id) => !expected.has(id));
  expect(unexpected.slice(0, 10), `${who}: ${unexpected.length} messages that were not published to it`).toEqual([]);
  const received = new Set(ids);
  const missing = published.filter((id) => !received.has(id));
  expect(missing.slice(0, 10), `${who}: ${missing.length} of ${published.length} published messages missing`).toEqual([]);
}

/** Waits until the members of a group together received at least `count` messages; returns them all. */
export async function waitForShare(members: readonly PubSubSubscriber[], count: number, timeoutMs = 15_000): Promise<Message[]> {
  return vi.waitFor(
    () => {
      const all = members.flatMap((member) => member.messages);
      if (all.length < count) {
        const split = members.map((member) => member.messages.length).join(" + ");
        throw new Error(`the group's members received ${split} = ${all.length} of ${count} messages`);
      }
      return all;
    },
    { timeout: timeoutMs, interval: 10 },
  );
}
