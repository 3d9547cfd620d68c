// Unit tests of the nats pattern definition: config defaults and validation, and a start that
// fails with a message naming the URL when no NATS is there.
import { Code, ConfigError, ConnectError } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { findFreePort } from "@prism/testkit";
import { describe, expect, it } from "vitest";
import { natsPattern } from "./nats-pattern.js";

describe("natsPattern", () => {
  it("has documented defaults", () => {
    expect(parseConfig(natsPattern.config, {})).toEqual({
      url: "nats://127.0.0.1:4222",
      jetstream: false,
      subjectPrefix: "",
      stream: "",
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAgeMs: 86_400_000,
      groupStart: "all",
      pullExpiresMs: 5000,
      requestTimeoutMs: 5000,
      subscriberBufferSize: 1024,
      reconnectWaitMs: 250,
      connectTimeoutMs: 2000,
      user: "",
      pass: "",
      token: "",
      slowRttMs: 100,
      unhealthyAfterMs: 3000,
    });
  });

  it("rejects a bad url, subject prefix, stream name or pull expiry, naming the field", () => {
    expect(() => parseConfig(natsPattern.config, { url: "http://x:1/path" })).toThrow(ConfigError);
    expect(() => parseConfig(natsPattern.config, { subjectPrefix: "a.*" })).toThrow(/subjectPrefix/);
    expect(() => parseConfig(natsPattern.config, { stream: "has.dot" })).toThrow(/stream/);
    // nats.js refuses a pull request that expires sooner
    expect(() => parseConfig(natsPattern.config, { pullExpiresMs: 999 })).toThrow(/pullExpiresMs/);
    expect(parseConfig(natsPattern.config, { url: "nats://a:4222, nats://b:4222" }).url).toBe("nats://a:4222, nats://b:4222");
  });

  it("fails start with UNAVAILABLE naming the URL when NATS is not there", async () => {
    const port = await findFreePort();
    const url = `nats://127.0.0.1:${port}`;
    const logger = createLogger({ write: () => {} });
    const instance = await natsPattern.create(parseConfig(natsPattern.config, { url, connectTimeoutMs: 500 }), {
      namespace: "test",
      logger,
    });
    const failure = await Promise.resolve()
      .then(() => instance.start?.())
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.Unavailable);
    expect((failure as ConnectError).message).toContain(url);
    expect((await instance.health?.())?.status).toBe("UNHEALTHY");
    await expect(instance.pubsub!.publish("t", new Uint8Array(), {})).rejects.toThrow(/not connected to NATS/);
    await instance.stop?.();
  });
});
