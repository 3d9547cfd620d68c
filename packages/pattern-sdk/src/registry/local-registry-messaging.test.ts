// Unit tests of LocalRegistryMessaging: delivery outcomes (DELIVERED, NOT_LISTENING, FAILED on a
// full queue), several listeners of one identity, closing by signal, close() and closeAll(), and the
// first / last listener hooks a networked messaging slot relies on.
import { describe, expect, it } from "vitest";
import { LocalRegistryMessaging } from "./local-registry-messaging.js";
import type { RegistryDelivery, RegistryListener } from "./registry-backend.js";

function delivery(id: string): RegistryDelivery {
  return { payload: new TextEncoder().encode(id), contentType: "text/plain", metadata: { id }, messageId: id, sentAtMs: 1 };
}

/** The message ids a listener yields until it ends. */
async function drain(listener: RegistryListener): Promise<string[]> {
  const ids: string[] = [];
  for await (const each of listener) ids.push(each.messageId);
  return ids;
}

const open = () => new AbortController().signal;

describe("LocalRegistryMessaging", () => {
  it("delivers to the listener of a target, in order, and reports NOT_LISTENING for the others", async () => {
    const messaging = new LocalRegistryMessaging(8);
    const listener = await messaging.listen("dev-1", open());
    expect(messaging.isListening("dev-1")).toBe(true);
    expect(await messaging.deliver(["dev-1", "dev-2", "dev-1"], delivery("m1"))).toEqual([
      { status: "DELIVERED" },
      { status: "NOT_LISTENING" },
      { status: "DELIVERED" },
    ]);
    expect(messaging.deliverHere("dev-1", delivery("m2"))).toEqual({ status: "DELIVERED" });
    expect(messaging.deliverHere("dev-2", delivery("m2"))).toEqual({ status: "NOT_LISTENING" });
    const iterator = listener[Symbol.asyncIterator]();
    const received = [await iterator.next(), await iterator.next(), await iterator.next()].map((each) => each.value?.messageId);
    expect(received).toEqual(["m1", "m1", "m2"]);
    await listener.close();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it("hands a delivery to a listener waiting for one", async () => {
    const messaging = new LocalRegistryMessaging(1);
    const listener = await messaging.listen("dev-1", open());
    const next = listener[Symbol.asyncIterator]().next();
    expect(messaging.deliverHere("dev-1", delivery("m1"))).toEqual({ status: "DELIVERED" });
    expect((await next).value?.payload).toEqual(new TextEncoder().encode("m1"));
    await listener.close();
  });

  it("delivers to every listener of an identity; FAILED only when none of them has room", async () => {
    const messaging = new LocalRegistryMessaging(1);
    const first = await messaging.listen("dev-1", open());
    const second = await messaging.listen("dev-1", open());
    expect(messaging.listenerCount()).toBe(2);
    expect(messaging.deliverHere("dev-1", delivery("m1"))).toEqual({ status: "DELIVERED" });
    const outcome = messaging.deliverHere("dev-1", delivery("m2"));
    expect(outcome.status).toBe("FAILED");
    expect(outcome.status === "FAILED" && outcome.message).toContain("queue is full");
    // One listener reads, so one has room again.
    await first[Symbol.asyncIterator]().next();
    expect(messaging.deliverHere("dev-1", delivery("m3"))).toEqual({ status: "DELIVERED" });
    await first.close();
    expect(messaging.listenerCount()).toBe(1);
    expect(messaging.isListening("dev-1")).toBe(true);
    await second.close();
    expect(messaging.isListening("dev-1")).toBe(false);
    expect(messaging.deliverHere("dev-1", delivery("m4"))).toEqual({ status: "NOT_LISTENING" });
  });

  it("closes a listener when its signal aborts, even one aborted before listen", async () => {
    const messaging = new LocalRegistryMessaging(4);
    const controller = new AbortController();
    const listener = await messaging.listen("dev-1", controller.signal);
    messaging.deliverHere("dev-1", delivery("m1"));
    controller.abort();
    expect(messaging.listenerCount()).toBe(0);
    expect(await drain(listener)).toEqual([]);
    const early = await messaging.listen("dev-2", AbortSignal.abort());
    expect(messaging.listenerCount()).toBe(0);
    expect(await drain(early)).toEqual([]);
    expect(messaging.deliverHere("dev-2", delivery("m2"))).toEqual({ status: "NOT_LISTENING" });
  });

  it("is safe to close twice, and ending the iteration closes the listener", async () => {
    const messaging = new LocalRegistryMessaging(4);
    const listener = await messaging.listen("dev-1", open());
    await listener.close();
    await listener.close();
    expect(messaging.listenerCount()).toBe(0);
    const other = await messaging.listen("dev-1", open());
    messaging.deliverHere("dev-1", delivery("m1"));
    for await (const _ of other) break;
    expect(messaging.listenerCount()).toBe(0);
  });

  it("closeAll ends every listener", async () => {
    const messaging = new LocalRegistryMessaging(4);
    const listeners = await Promise.all(["a", "b", "b", "c"].map((identity) => messaging.listen(identity, open())));
    messaging.deliverHere("b", delivery("m1"));
    expect(messaging.listenerCount()).toBe(4);
    messaging.closeAll();
    expect(messaging.listenerCount()).toBe(0);
    for (const listener of listeners) expect(await drain(listener)).toEqual([]);
  });

  it("calls onFirstListener once per identity before any of its listeners is in place, and onLastListenerGone", async () => {
    const events: string[] = [];
    let release: () => void = () => {};
    const subscribed = new Promise<void>((resolve) => {
      release = resolve;
    });
    const messaging = new LocalRegistryMessaging(
      4,
      async (identity) => {
        events.push(`first ${identity}`);
        await subscribed;
        events.push(`subscribed ${identity}`);
      },
      (identity) => events.push(`gone ${identity}`),
    );
    const first = messaging.listen("dev-1", open()).then((listener) => {
      events.push("listening 1");
      return listener;
    });
    // A second Listen while the first one's subscription is still being made waits for it too.
    const second = messaging.listen("dev-1", open()).then((listener) => {
      events.push("listening 2");
      return listener;
    });
    await Promise.resolve();
    expect(events).toEqual(["first dev-1"]);
    release();
    const listeners = await Promise.all([first, second]);
    expect(events).toEqual(["first dev-1", "subscribed dev-1", "listening 1", "listening 2"]);
    await listeners[0].close();
    expect(events).not.toContain("gone dev-1");
    await listeners[1].close();
    expect(events.at(-1)).toBe("gone dev-1");
    // A new first listener subscribes again.
    const again = await messaging.listen("dev-1", open());
    expect(events.filter((event) => event === "first dev-1")).toHaveLength(2);
    await again.close();
  });

  it("fails listen when onFirstListener fails, and leaves no listener behind", async () => {
    const gone: string[] = [];
    const messaging = new LocalRegistryMessaging(
      4,
      async () => {
        throw new Error("backend down");
      },
      (identity) => gone.push(identity),
    );
    await expect(messaging.listen("dev-1", open())).rejects.toThrow("backend down");
    expect(messaging.listenerCount()).toBe(0);
    expect(messaging.isListening("dev-1")).toBe(false);
    expect(gone).toEqual(["dev-1"]);
    await expect(messaging.listen("dev-1", open())).rejects.toThrow("backend down");
  });
});
