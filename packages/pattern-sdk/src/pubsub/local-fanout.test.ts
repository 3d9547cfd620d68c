// Unit tests of LocalFanout: routing by exact topic and wildcard filter, subscription ids, the onEnd hook
// (once, with lastOfFilter), counters that keep closed subscriptions' drops, closeAll, and buffer validation.
import { describe, expect, it } from "vitest";
import { queuedIds as ids, testMessage as message } from "../../test/local-messages.js";
import { LocalFanout } from "./local-fanout.js";
import type { LocalSubscription } from "./local-subscription.js";

const fanout = (subscriberBufferSize = 100): LocalFanout => new LocalFanout({ idPrefix: "p", subscriberBufferSize });

describe("LocalFanout routing", () => {
  it("delivers to the exact topic's route and every matching wildcard route", async () => {
    const local = fanout();
    const exact = local.open("orders.created", "");
    const star = local.open("orders.*", "");
    const rest = local.open("orders.>", "");
    const all = local.open(">", "");
    for (const topic of ["orders.created", "orders.eu.created", "orders", "payments.created"]) {
      local.deliver(topic, message(topic));
    }
    expect(await ids(exact)).toEqual(["orders.created"]);
    expect(await ids(star)).toEqual(["orders.created"]);
    expect(await ids(rest)).toEqual(["orders.created", "orders.eu.created"]);
    expect(await ids(all)).toEqual(["orders.created", "orders.eu.created", "orders", "payments.created"]);
  });

  it("exposes the route of an exact topic and of a wildcard filter, each only in its own kind", async () => {
    const local = fanout();
    const exact = local.open("a.b", "");
    const wild = local.open("a.*", "");
    expect(local.exactRoute("a.*")).toBeUndefined();
    expect(local.wildcardRoute("a.b")).toBeUndefined();
    local.exactRoute("a.b")?.deliver(message("a.b", "x"));
    local.wildcardRoute("a.*")?.deliver(message("a.b", "y"));
    expect(await ids(exact)).toEqual(["x"]);
    expect(await ids(wild)).toEqual(["y"]);
  });

  it("names subscriptions <idPrefix>-s<n> and groups members per filter", async () => {
    const local = fanout();
    const [a, b] = [local.open("t", "g"), local.open("t", "g")];
    expect([a.id, b.id]).toEqual(["p-s1", "p-s2"]);
    local.deliver("t", message("t", "m0"));
    local.deliver("t", message("t", "m1"));
    expect([await ids(a), await ids(b)]).toEqual([["m0"], ["m1"]]);
  });
});

describe("LocalFanout bookkeeping", () => {
  it("removes an ended subscription from its route and calls onEnd once, with lastOfFilter for the last one", async () => {
    const local = fanout();
    const calls: [string, boolean][] = [];
    const onEnd = (subscription: LocalSubscription, last: boolean): void => void calls.push([subscription.id, last]);
    const a = local.open("orders.*", "", onEnd);
    const b = local.open("orders.*", "g", onEnd);
    expect(local.size).toBe(2);
    await a.close();
    await a.close();
    expect(calls).toEqual([["p-s1", false]]);
    await b.close();
    expect(calls).toEqual([
      ["p-s1", false],
      ["p-s2", true],
    ]);
    expect(local.size).toBe(0);
    expect(local.wildcardRoute("orders.*")).toBeUndefined();
    const again = local.open("orders.*", "g");
    local.deliver("orders.x", message("orders.x"));
    expect(await ids(again)).toEqual(["orders.x"]);
  });

  it("counts subscriptions, published messages and drops, keeping the drops of closed subscriptions", async () => {
    const local = fanout(2);
    const idle = local.open("t", "");
    local.open("t", "");
    for (let i = 0; i < 5; i++) {
      expect(local.countPublished()).toBe(i + 1);
      local.deliver("t", message("t", `m${i}`));
    }
    expect(local.stats()).toEqual({ subscriptions: 2, published: 5, dropped: 6 });
    await idle.close();
    expect(local.stats()).toEqual({ subscriptions: 1, published: 5, dropped: 6 });
  });

  it("closeAll ends every subscription", () => {
    const local = fanout();
    const subs = ["a", "b.*", "c"].map((filter) => local.open(filter, ""));
    local.closeAll();
    expect(subs.every((subscription) => subscription.isClosed)).toBe(true);
    expect(local.size).toBe(0);
  });

  it("1,000 open/close cycles leave no route behind", () => {
    const local = fanout();
    const filters = ["orders.created", "orders.*", "orders.>", ">"];
    for (let i = 0; i < 1000; i++) {
      const subscription = local.open(filters[i % filters.length]!, i % 3 === 0 ? "g" : "");
      local.deliver("orders.created", message("orders.created"));
      void subscription.close();
    }
    expect(local.size).toBe(0);
    for (const filter of filters) expect(local.exactRoute(filter) ?? local.wildcardRoute(filter)).toBeUndefined();
  });

  it("rejects a buffer size below 1 or not an integer", () => {
    expect(() => fanout(0)).toThrow(RangeError);
    expect(() => fanout(1.5)).toThrow(RangeError);
  });
});
