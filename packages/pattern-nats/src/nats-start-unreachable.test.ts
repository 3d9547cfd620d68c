// Tests of a nats pattern started while its nats-server is down: start succeeds, health is UNHEALTHY
// naming the server and saying it is reconnecting, publish and subscribe fail at once with
// UNAVAILABLE, and once the server is up the pattern connects (creating the JetStream stream) and
// serves without a restart; it can be stopped meanwhile; a JetStream stream it cannot set up on the
// first connection is retried until it can; a server that refuses the credentials fails start.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { Code, ConnectError } from "@prism/pattern-sdk";
import { findFreePort, type NatsServer, requireBinary, startNatsServer } from "@prism/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { bytes, patiently, read, startNats, subscription } from "../test/pubsub-test-kit.js";

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

/** nats-server processes a test launched itself (with options startNatsServer has not), killed after each test. */
const launched: ChildProcess[] = [];

afterEach(() => {
  for (const child of launched.splice(0)) child.kill("SIGKILL");
});

/** Launches nats-server on `port` with `args` and waits until it accepts a client with `credentials`. */
async function launchNatsServer(port: number, args: string[], credentials: { user?: string; pass?: string } = {}): Promise<ChildProcess> {
  const child = spawn(requireBinary("nats-server", "nats-server"), ["-a", "127.0.0.1", "-p", String(port), ...args], { stdio: "ignore" });
  launched.push(child);
  await vi.waitFor(async () => {
    const nc = await connect({ servers: [`nats://127.0.0.1:${port}`], reconnect: false, ...credentials });
    await nc.close();
  }, patiently);
  return child;
}

/** Kills `child` and waits until it is gone (its port is free again). */
async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await gone;
}

/** The ConnectError `attempt` rejects with. */
async function failure(attempt: () => Promise<unknown>): Promise<ConnectError> {
  const error = await attempt().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("nats pattern started while NATS is down", () => {
  it.each([
    ["core NATS", false],
    ["JetStream", true],
  ])("%s: starts UNHEALTHY, fails calls with UNAVAILABLE, then connects and serves once NATS is up", async (_mode, jetstream) => {
    await server.kill();
    const namespace = jetstream ? "late-js" : "late-core";
    const nats = await startNats({ url: server.url, jetstream, reconnectWaitMs: 50, requestTimeoutMs: 5000 }, namespace);
    try {
      const address = `127.0.0.1:${server.port}`;
      const health = await nats.instance.health?.();
      expect(health).toMatchObject({ status: "UNHEALTHY", details: { state: "connecting", server: server.url } });
      expect(health?.message).toContain(address);
      expect(health?.message).toMatch(/reconnecting/);
      expect(nats.logs).toContainEqual(
        expect.objectContaining({ level: "warn", msg: expect.stringContaining(`NATS at ${server.url} is not reachable at start`) }),
      );
      const attempts = [
        () => nats.pubsub.publish("orders", bytes("early"), {}),
        () => nats.pubsub.subscribe(subscription("orders")),
        () => nats.pubsub.subscribe(subscription("orders", "workers")),
      ];
      for (const attempt of attempts) {
        const error = await failure(attempt);
        expect(error.code).toBe(Code.Unavailable);
        expect(error.rawMessage).toContain(address);
        expect(error.rawMessage).toMatch(/not been reachable since start.*reconnecting/);
      }
      expect(nats.pubsub.subscriptionCount()).toBe(0);

      await server.restart();
      await expect.poll(async () => (await nats.instance.health?.())?.status, patiently).toBe("HEALTHY");
      if (jetstream) {
        expect(nats.logs).toContainEqual(expect.objectContaining({ msg: "NATS PubSub ready (JetStream, at-least-once), stream created" }));
      }
      const sub = await nats.pubsub.subscribe(subscription("orders", "workers"));
      const reader = read(sub, (message) => void sub.ack([message.messageId]));
      await vi.waitFor(async () => {
        await nats.pubsub.publish("orders", bytes("placed"), {});
        expect(reader.texts()).toContain("placed");
      }, patiently);
      expect(nats.logs).toContainEqual(expect.objectContaining({ msg: "connected to NATS", server: address, downMs: expect.any(Number) }));
      await sub.close();
    } finally {
      await nats.instance.stop?.();
      await server.restart();
    }
  });

  it("stops while still connecting: closed, and calls fail", async () => {
    await server.kill();
    const nats = await startNats({ url: server.url, reconnectWaitMs: 50 }, "late-stop");
    try {
      expect((await nats.instance.health?.())?.details?.state).toBe("connecting");
    } finally {
      await nats.instance.stop?.();
      await server.restart();
    }
    expect((await nats.instance.health?.())?.details?.state).toBe("closed");
    await expect(nats.pubsub.publish("orders", bytes("late"), {})).rejects.toThrow(/not connected to NATS/);
  });
});

describe("nats pattern reaching a NATS it cannot fully use", () => {
  it("retries setting up the JetStream stream, UNHEALTHY and failing calls meanwhile, until the server has JetStream", async () => {
    const port = await findFreePort();
    const url = `nats://127.0.0.1:${port}`;
    const storeDir = mkdtempSync(join(tmpdir(), "prism-nats-late-js-"));
    const nats = await startNats({ url, jetstream: true, reconnectWaitMs: 50, requestTimeoutMs: 500 }, "late-no-js");
    try {
      expect((await nats.instance.health?.())?.details?.state).toBe("connecting");
      const plain = await launchNatsServer(port, []);
      await vi.waitFor(async () => {
        const health = await nats.instance.health?.();
        expect(health).toMatchObject({ status: "UNHEALTHY", details: { state: "connected" } });
        expect(health?.message).toMatch(/JetStream stream PRISM_LATE_NO_JS is not set up yet: .+; retrying/);
      }, patiently);
      const error = await failure(() => nats.pubsub.publish("orders", bytes("early"), {}));
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(/JetStream stream PRISM_LATE_NO_JS on NATS at .+ is not set up yet/);

      await killed(plain);
      await launchNatsServer(port, ["-js", "-sd", storeDir]);
      await expect.poll(async () => (await nats.instance.health?.())?.status, patiently).toBe("HEALTHY");
      const sub = await nats.pubsub.subscribe(subscription("orders", "workers"));
      const reader = read(sub, (message) => void sub.ack([message.messageId]));
      await vi.waitFor(async () => {
        await nats.pubsub.publish("orders", bytes("placed"), {});
        expect(reader.texts()).toContain("placed");
      }, patiently);
      await sub.close();
    } finally {
      await nats.instance.stop?.();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  it("fails start with UNAVAILABLE naming the URL when the server refuses the credentials", async () => {
    const port = await findFreePort();
    const url = `nats://127.0.0.1:${port}`;
    await launchNatsServer(port, ["--user", "app", "--pass", "right"], { user: "app", pass: "right" });
    const error = await failure(() => startNats({ url, user: "app", pass: "wrong" }, "refused"));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toContain(`127.0.0.1:${port}`);
    expect(error.rawMessage).toMatch(/refused the connection: Authorization Violation/);
    expect(error.rawMessage).not.toContain("wrong");
  });
});
