// Unit tests of the nats pattern definition: config defaults and validation, and a start that
// succeeds when no NATS is there, reporting UNHEALTHY with the URL until it connects.
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
      replicas: 1,
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

  it("never echoes a secret: a wrongly typed pass or token, or the password in a bad url", () => {
    expect(() => parseConfig(natsPattern.config, { pass: 12345 })).toThrow(
      "pass: expected a string, got a number (not shown: the field is secret)",
    );
    expect(() => parseConfig(natsPattern.config, { token: ["t0k3n"] })).toThrow(
      "token: expected a string, got a list (not shown: the field is secret)",
    );
    const badUrl = (() => {
      try {
        parseConfig(natsPattern.config, { url: "http://user:hunter2@x:1/path" });
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    })();
    expect(badUrl).toContain('"http://***@x:1/path"');
    expect(badUrl).not.toContain("hunter2");
  });

  it("starts when no NATS is there: UNHEALTHY naming the URL, calls UNAVAILABLE, until stopped", async () => {
    const port = await findFreePort();
    const url = `nats://127.0.0.1:${port}`;
    const logger = createLogger({ write: () => {} });
    const instance = await natsPattern.create(parseConfig(natsPattern.config, { url, connectTimeoutMs: 500 }), {
      namespace: "test",
      logger,
    });
    await instance.start?.();
    const health = await instance.health?.();
    expect(health?.status).toBe("UNHEALTHY");
    expect(health?.message).toContain(url);
    const failure = await instance.pubsub!.publish("t", new Uint8Array(), {}).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.Unavailable);
    expect((failure as ConnectError).message).toContain(url);
    await instance.stop?.();
    await expect(instance.pubsub!.publish("t", new Uint8Array(), {})).rejects.toThrow(/not connected to NATS/);
  });
});
