// Unit tests of the config → ioredis options translation and the reconnect backoff.
import { parseConfig } from "@prism/pattern-sdk/host";
import { describe, expect, it } from "vitest";
import { reconnectDelay, redisClientOptions } from "./redis-client.js";
import { redisConfigSchema } from "./redis-config.js";

const config = (input: Record<string, unknown>) => parseConfig(redisConfigSchema, input);

describe("redisClientOptions", () => {
  it("fails fast by default: lazy connect, no offline queue, timeouts, one retry per request", () => {
    const { options, address, displayUrl } = redisClientOptions(config({}));
    expect(options).toMatchObject({
      host: "127.0.0.1",
      port: 6379,
      db: 0,
      lazyConnect: true,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: 2000,
      maxRetriesPerRequest: 1,
    });
    expect(options.username).toBeUndefined();
    expect(options.password).toBeUndefined();
    expect(options.tls).toBeUndefined();
    expect(address).toBe("127.0.0.1:6379");
    expect(displayUrl).toBe("redis://127.0.0.1:6379/0");
  });

  it("reads credentials and db from the URL, overridden by non-default fields, and never shows them", () => {
    const fromUrl = redisClientOptions(config({ url: "rediss://app:s%40cret@cache.internal:6380/3" }));
    expect(fromUrl.options).toMatchObject({ host: "cache.internal", port: 6380, db: 3, username: "app", password: "s@cret" });
    expect(fromUrl.options.tls).toEqual({ servername: "cache.internal" });
    expect(fromUrl.displayUrl).toBe("rediss://cache.internal:6380/3");
    expect(fromUrl.address).not.toContain("cret");

    const overridden = redisClientOptions(
      config({ url: "redis://app:pw@127.0.0.1:6380/3", username: "other", password: "pw2", db: 5, tls: true }),
    );
    expect(overridden.options).toMatchObject({ username: "other", password: "pw2", db: 5, tls: {} });
    expect(redisClientOptions(config({ url: "redis://[::1]:7000" })).options).toMatchObject({ host: "::1", port: 7000 });
  });

  it("reconnects forever with a doubling delay capped at reconnectMaxDelayMs", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 1000].map((attempt) => reconnectDelay(attempt, 50, 2000))).toEqual([
      50, 100, 200, 400, 800, 1600, 2000, 2000,
    ]);
    const { retryStrategy } = redisClientOptions(config({ reconnectInitialDelayMs: 10, reconnectMaxDelayMs: 30 })).options;
    expect([1, 2, 3, 50].map((attempt) => retryStrategy?.(attempt))).toEqual([10, 20, 30, 30]);
  });
});
