// CoreFanout against a stand-in connection: subscribe resolves once the server answered the flush (and
// fails, leaving no NATS subscription, when it cannot), and a failed NATS subscription ends its
// subscribers with a warning naming the subject and the error.
import type { Msg, NatsConnection, Subscription, SubscriptionOptions } from "@nats-io/transport-node";
import { createLogger } from "@prism/pattern-sdk/host";
import { describe, expect, it } from "vitest";
import { CoreFanout } from "./core-fanout.js";

/** A stand-in connection whose flush the test settles and whose subscription callbacks it calls. */
class FakeConnection {
  readonly callbacks: ((error: Error | null, msg: Msg) => void)[] = [];
  unsubscribed = 0;
  private readonly flushes: { resolve: () => void; reject: (error: Error) => void }[] = [];

  subscribe(_subject: string, options: SubscriptionOptions): Subscription {
    if (options.callback) this.callbacks.push(options.callback);
    const sub: Pick<Subscription, "unsubscribe"> = { unsubscribe: () => void this.unsubscribed++ };
    return sub as Subscription;
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => this.flushes.push({ resolve, reject }));
  }

  closed(): Promise<Error | undefined> {
    return new Promise(() => undefined);
  }

  /** Settles the oldest pending flush. */
  answer(error?: Error): void {
    const flush = this.flushes.shift();
    if (error) flush?.reject(error);
    else flush?.resolve();
  }

  get nc(): NatsConnection {
    return this as unknown as NatsConnection;
  }
}

/** A CoreFanout whose log lines are captured. */
function fanout(): { core: CoreFanout; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  return { core: new CoreFanout({ prefix: "prism.test", subscriberBufferSize: 8, logger }), logs };
}

/** Whether `promise` has settled after pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("CoreFanout", () => {
  it("opens the subscribers of a new NATS subscription only once the server answered the flush", async () => {
    const { core } = fanout();
    const conn = new FakeConnection();
    const first = core.open(conn.nc, "a", "", new AbortController().signal);
    const second = core.open(conn.nc, "a", "", new AbortController().signal);
    expect(conn.callbacks).toHaveLength(1);
    expect(await settled(first)).toBe(false);
    expect(await settled(second)).toBe(false);
    conn.answer();
    expect((await first).isClosed).toBe(false);
    expect((await second).isClosed).toBe(false);
    expect(core.stats().natsSubscriptions).toBe(1);
  });

  it("fails subscribe and releases the NATS subscription when the flush fails", async () => {
    const { core } = fanout();
    const conn = new FakeConnection();
    const opening = core.open(conn.nc, "a", "g", new AbortController().signal);
    conn.answer(new Error("connection disconnected"));
    await expect(opening).rejects.toThrow("connection disconnected");
    expect(core.size).toBe(0);
    expect(core.stats().natsSubscriptions).toBe(0);
    expect(conn.unsubscribed).toBe(1);
  });

  it("ends the subscribers of a failed NATS subscription, logging a warning with subject and error", async () => {
    const { core, logs } = fanout();
    const conn = new FakeConnection();
    const opening = core.open(conn.nc, "secret.>", "", new AbortController().signal);
    conn.answer();
    const subscription = await opening;
    const late = core.open(conn.nc, "secret.>", "", new AbortController().signal);
    conn.callbacks[0]?.(new Error("Permissions Violation for Subscription to prism.test.secret.>"), undefined as unknown as Msg);
    expect(subscription.isClosed).toBe(true);
    await expect(late).rejects.toThrow("Permissions Violation");
    expect(core.stats().natsSubscriptions).toBe(0);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "warn",
        msg: "NATS subscription failed, closing its subscribers",
        subject: "prism.test.secret.>",
        error: expect.objectContaining({ message: expect.stringContaining("Permissions Violation") }),
      }),
    );
  });
});
