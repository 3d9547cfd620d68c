// End to end: `prismctl pubsub subscribe` as a long-running child of the real proxy: it says on stderr when it is
// subscribed, prints each message published with `prismctl pubsub publish` as one JSON line (payload as UTF-8 or
// base64, metadata, id, time), and exits 0 on SIGINT, on SIGTERM and after --count messages.
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPrismctlProcesses, prismctlAt, requireBuiltPrismctl, startPrismctl } from "./support/prismctl-process.js";

let proxy: ProxyProcess;

beforeAll(async () => {
  requireBuiltPrismctl();
  proxy = await startProxyProcess({ config: { namespaces: { default: { pubsub: { backend: "memstore" } } } } });
});
afterAll(async () => {
  killPrismctlProcesses();
  await proxy?.stop();
});

const { cli } = prismctlAt(() => proxy.url);

/** Starts `pubsub subscribe` with `args` and resolves once it says it is subscribed. */
async function subscribe(args: string[]) {
  const subscriber = startPrismctl(["--url", proxy.url, "pubsub", "subscribe", ...args]);
  await subscriber.waitFor("stderr", /subscribed to .*Ctrl-C to stop\n/);
  return subscriber;
}

/** The JSON lines written so far. */
const lines = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("prismctl pubsub", () => {
  it("tails a topic as JSON lines until SIGINT, then exits 0", async () => {
    const subscriber = await subscribe(["orders.>"]);
    expect(subscriber.stderr()).toBe('subscribed to "orders.>" in namespace "default" (at-most-once); Ctrl-C to stop\n');

    const published = await cli(["pubsub", "publish", "orders.created", '{"id":42}', "--metadata", "source=cli", "--metadata", "k=v=w"]);
    expect(published.code).toBe(0);
    const { messageId } = JSON.parse(published.stdout) as { messageId: string };
    expect(published.stdout).toContain('"topic": "orders.created"');
    await subscriber.waitFor("stdout", /\n/);

    const binary = await cli(["pubsub", "publish", "orders.binary"], { input: new Uint8Array([0xff, 0x00, 0x01]) });
    expect(binary.code).toBe(0);
    const fromStdin = await cli(["pubsub", "publish", "orders.text", "-"], { input: "from stdin" });
    expect(fromStdin.code).toBe(0);
    await subscriber.waitFor("stdout", /(.*\n){3}/);

    subscriber.child.kill("SIGINT");
    const result = await subscriber.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('subscribed to "orders.>" in namespace "default" (at-most-once); Ctrl-C to stop\n');
    const [first, second, third] = lines(result.stdout);
    expect(first).toEqual({
      topic: "orders.created",
      payload: '{"id":42}',
      encoding: "utf8",
      metadata: { source: "cli", k: "v=w" },
      messageId,
      publishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      deliveryAttempt: 1,
    });
    expect(second).toMatchObject({ topic: "orders.binary", payload: "/wAB", encoding: "base64", metadata: {} });
    expect(third).toMatchObject({ topic: "orders.text", payload: "from stdin", encoding: "utf8" });
  });

  it("stops by itself after --count messages, and on SIGTERM, exiting 0 both times", async () => {
    const counted = await subscribe(["tick", "--count", "2", "--group", "workers"]);
    expect(counted.stderr()).toContain('as group "workers"');
    for (const n of [1, 2]) expect((await cli(["pubsub", "publish", "tick", `n${n}`])).code).toBe(0);
    const done = await counted.exited;
    expect(done.code).toBe(0);
    expect(lines(done.stdout).map((message) => message.payload)).toEqual(["n1", "n2"]);

    const terminated = await subscribe(["tock"]);
    terminated.child.kill("SIGTERM");
    const stopped = await terminated.exited;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toBe("");
  });

  it("says nothing on stderr with --quiet", async () => {
    // No notice to wait for: publish until the subscriber (at-most-once) has received one message and exited.
    const quiet = startPrismctl(["--url", proxy.url, "pubsub", "subscribe", "quiet", "--quiet", "--count", "1"]);
    for (let attempt = 0; attempt < 100 && quiet.child.exitCode === null && quiet.stdout() === ""; attempt++) {
      expect((await cli(["pubsub", "publish", "quiet", "hello"])).code).toBe(0);
    }
    const result = await quiet.exited;
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(lines(result.stdout)).toEqual([expect.objectContaining({ topic: "quiet", payload: "hello" })]);
  });

  it("reports a bad topic as a usage error (exit 2) and an unknown namespace as exit 3", async () => {
    const bad = await cli(["pubsub", "publish", "no spaces", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^prismctl: pubsub publish "no spaces": invalid topic/);
    const unknown = await cli(["-n", "nowhere", "pubsub", "subscribe", "t"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/^prismctl: pubsub subscribe "t": namespace "nowhere"/);
  });
});
