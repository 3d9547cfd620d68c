// Unit tests of KeyedLock: one task at a time per key, in order; keys independent; failures do not block.
import { describe, expect, it } from "vitest";
import { KeyedLock } from "./keyed-lock.js";

/** A promise resolved from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("KeyedLock", () => {
  it("runs tasks on one key one at a time, in the order asked", async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const gate = deferred();
    const first = lock.run("a", async () => {
      events.push("first start");
      await gate.promise;
      events.push("first end");
      return 1;
    });
    const second = lock.run("a", async () => {
      events.push("second start");
      return 2;
    });
    await expect.poll(() => events).toEqual(["first start"]);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(events).toEqual(["first start", "first end", "second start"]);
  });

  it("runs tasks on different keys side by side", async () => {
    const lock = new KeyedLock();
    const gate = deferred();
    const blocked = lock.run("a", () => gate.promise);
    expect(await lock.run("b", async () => "b ran")).toBe("b ran");
    gate.resolve();
    await blocked;
  });

  it("runs the next task after one that failed, and passes the failure to its caller", async () => {
    const lock = new KeyedLock();
    const failed = lock.run("a", async () => {
      throw new Error("boom");
    });
    const next = lock.run("a", async () => "next ran");
    await expect(failed).rejects.toThrow("boom");
    expect(await next).toBe("next ran");
  });

  it("tells when every queued task has settled", async () => {
    const lock = new KeyedLock();
    const gate = deferred();
    let done = false;
    void lock.run("a", async () => {
      await gate.promise;
      done = true;
    });
    const settled = lock.settled().then(() => done);
    gate.resolve();
    expect(await settled).toBe(true);
  });
});
