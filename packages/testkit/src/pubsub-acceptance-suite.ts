// pubSubAcceptanceSuite: the one PubSub acceptance suite every backend runs unchanged, directly
// (directPubSubCaller) or through a pattern process or the proxy (a Connect client).
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, vi } from "vitest";
import { utf8 } from "./keyvalue-acceptance-helpers.js";
import type { PubSubAcceptanceContext } from "./pubsub-acceptance-helpers.js";
import type { PubSubAcceptanceOptions, PubSubSubject } from "./pubsub-acceptance-options.js";
import { registerPubSubCoreCases } from "./pubsub-core-cases.js";
import { registerPubSubDeliveryCases } from "./pubsub-delivery-cases.js";
import { registerPubSubDurableCases } from "./pubsub-durable-cases.js";
import { registerPubSubGroupCases } from "./pubsub-group-cases.js";
import { registerPubSubRedeliveryCases } from "./pubsub-redelivery-cases.js";
import { openSubscriber, type PubSubSubscriber } from "./pubsub-subscriber.js";

/**
 * Registers the PubSub acceptance cases (vitest) for one backend: core (round trip, payloads, metadata,
 * validation, wildcards) and delivery (fan-out, order, unsubscribe, concurrent publishers) always;
 * consumer groups when `groups` is claimed; redelivery when the guarantee is at-least-once and groups are
 * claimed; durability when `durable` is claimed (it needs `groups`: durability is per consumer group).
 * Every topic lives under a random per-run first level (`acc-<hex>.`) and every group name carries the
 * same id, so runs may share a backend. Subscribers a case leaves open are closed after it; under
 * at-least-once they ack what they receive unless a case says otherwise. When the subject has a
 * `subscriptionCount`, cases check that the backend holds exactly its count before the run plus the run's
 * open subscribers (so closing one releases it); that check assumes no one else subscribes or
 * unsubscribes on the same backend during the run.
 * The subject must accept payloads of 600 bytes and 10 metadata entries (the default limits are fine).
 */
export function pubSubAcceptanceSuite(name: string, options: PubSubAcceptanceOptions): void {
  const { capabilities } = options;
  if (capabilities.durable && !capabilities.groups) {
    throw new Error(`PubSub acceptance "${name}": capabilities.durable needs capabilities.groups (durability is per consumer group)`);
  }
  describe(`PubSub acceptance: ${name}`, () => {
    const run = `acc-${randomBytes(6).toString("hex")}`;
    let subject: PubSubSubject | undefined;
    /** Subscriptions the backend held before this run opened any, when it counts them. */
    let baseline = 0;
    /** Subscribers opened by the current case. */
    const open = new Set<PubSubSubscriber>();
    beforeAll(async () => {
      subject = await options.setup();
      baseline = (await subject.subscriptionCount?.()) ?? 0;
    });
    afterEach(async () => {
      const subscribers = [...open];
      open.clear();
      await Promise.all(subscribers.map((subscriber) => subscriber.close()));
      // Every case ends with nothing of this run left open on the backend: a leak fails the case.
      await context.expectBackendSubscriptions();
    });
    afterAll(async () => {
      await subject?.teardown?.();
    });

    const caller = () => {
      if (!subject) throw new Error(`PubSub acceptance "${name}": setup() did not produce a subject`);
      return subject.client;
    };
    const context: PubSubAcceptanceContext = {
      caller,
      countsSubscriptions: () => subject?.subscriptionCount !== undefined,
      expectBackendSubscriptions: async () => {
        const count = subject?.subscriptionCount;
        if (!count) return;
        await vi.waitFor(
          async () => {
            const expected = baseline + [...open].filter((subscriber) => !subscriber.ended).length;
            expect(await count(), "subscriptions open on the backend (before this run + this run's open subscribers)").toBe(expected);
          },
          { timeout: 10_000, interval: 10 },
        );
      },
      topic: (suffix) => `${run}.${suffix}`,
      group: (suffix) => `${run}-${suffix}`,
      subscribe: async (topic, subscriberOptions = {}) => {
        const autoAck = subscriberOptions.autoAck ?? capabilities.guarantee === "at-least-once";
        const readyTimeoutMs = subscriberOptions.readyTimeoutMs ?? options.subscribeTimeoutMs;
        const subscriber = await openSubscriber(caller(), topic, {
          ...subscriberOptions,
          autoAck,
          ...(readyTimeoutMs === undefined ? {} : { readyTimeoutMs }),
        });
        open.add(subscriber);
        return subscriber;
      },
      publishMany: async (topic, count, label = "m") => {
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          ids.push((await caller().publish({ topic, payload: utf8(`${label}-${i}`) })).messageId);
        }
        return ids;
      },
      capabilities,
    };
    registerPubSubCoreCases(context);
    registerPubSubDeliveryCases(context);
    if (capabilities.groups) registerPubSubGroupCases(context);
    if (capabilities.guarantee === "at-least-once" && capabilities.groups) registerPubSubRedeliveryCases(context);
    if (capabilities.durable) registerPubSubDurableCases(context);
  });
}
