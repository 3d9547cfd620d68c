// Unit tests of SubscriptionRoute: every ungrouped subscription gets each message, group members take
// turns, a full member is skipped while another has room, and removal keeps the turn order sound.
import { describe, expect, it } from "vitest";
import { queuedIds as ids, testMessage } from "../../test/local-messages.js";
import { LocalSubscription } from "./local-subscription.js";
import type { PubSubMessage } from "./pubsub-backend.js";
import { SubscriptionRoute } from "./subscription-route.js";

let opened = 0;
const sub = (group = "", bufferSize = 100): LocalSubscription =>
  new LocalSubscription(`s${++opened}`, "t", group, bufferSize, () => undefined);

const message = (id: string): PubSubMessage => testMessage("t", id);

/** Delivers m0..m(count-1) to `route`. */
function deliverMany(route: SubscriptionRoute, count: number, from = 0): void {
  for (let i = from; i < from + count; i++) route.deliver(message(`m${i}`));
}

describe("SubscriptionRoute", () => {
  it("gives every message to each ungrouped subscription and to one member of each group, in turn", async () => {
    const route = new SubscriptionRoute();
    const solo = [sub(), sub()];
    const g = [sub("g"), sub("g"), sub("g")];
    const h = [sub("h"), sub("h")];
    for (const each of [...solo, ...g, ...h]) route.add(each);
    deliverMany(route, 6);
    for (const each of solo) expect(await ids(each)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
    expect(await Promise.all(g.map(ids))).toEqual([
      ["m0", "m3"],
      ["m1", "m4"],
      ["m2", "m5"],
    ]);
    expect(await Promise.all(h.map(ids))).toEqual([
      ["m0", "m2", "m4"],
      ["m1", "m3", "m5"],
    ]);
  });

  it("skips a full member while another has room; all full → the next in turn drops", async () => {
    const route = new SubscriptionRoute();
    const stuck = sub("g", 1);
    const reader = sub("g", 1);
    route.add(stuck);
    route.add(reader);
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      route.deliver(message(`m${i}`));
      got.push(...(await ids(reader)));
    }
    expect(stuck.pending).toBe(1);
    expect(got).toEqual(["m1", "m2", "m3", "m4"]);
    expect(stuck.dropped + reader.dropped).toBe(0);
    route.deliver(message("x"));
    route.deliver(message("y"));
    route.deliver(message("z"));
    expect(stuck.dropped + reader.dropped).toBe(2);
  });

  it("a removed member stops getting turns; the turn order of the rest is kept", async () => {
    const route = new SubscriptionRoute();
    const [a, b, c] = [sub("g"), sub("g"), sub("g")];
    for (const each of [a, b, c]) route.add(each);
    deliverMany(route, 2); // a, b; c is next
    route.remove(a);
    deliverMany(route, 3, 2); // c, b, c
    expect(await ids(a)).toEqual(["m0"]);
    expect(await ids(b)).toEqual(["m1", "m3"]);
    expect(await ids(c)).toEqual(["m2", "m4"]);
  });

  it("is empty once every subscription is removed; removing twice or an unknown one is harmless", () => {
    const route = new SubscriptionRoute();
    const solo = sub();
    const member = sub("g");
    expect(route.isEmpty).toBe(true);
    route.add(solo);
    route.add(member);
    expect(route.isEmpty).toBe(false);
    route.remove(solo);
    route.remove(solo);
    route.remove(sub("g"));
    route.remove(sub("other"));
    expect(route.isEmpty).toBe(false);
    route.remove(member);
    expect(route.isEmpty).toBe(true);
    route.deliver(message("nobody"));
  });
});
