// Unit tests of the redis url field: what parses, and a ConfigError naming the field, with the password redacted, for the rest.
import { ConfigError } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { parseRedisUrl, redactUrl } from "./redis-url.js";

/** The ConfigError parseRedisUrl throws for `url`. */
function rejection(url: string): ConfigError {
  try {
    parseRedisUrl(url);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`${url} was accepted`);
}

describe("parseRedisUrl", () => {
  it("reads host, port, db, TLS and percent-decoded credentials", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6379")).toEqual({
      secure: false,
      host: "127.0.0.1",
      port: 6379,
      db: 0,
      username: "",
      password: "",
    });
    expect(parseRedisUrl("rediss://app:s%40cret@cache.internal:6380/3")).toEqual({
      secure: true,
      host: "cache.internal",
      port: 6380,
      db: 3,
      username: "app",
      password: "s@cret",
    });
    expect(parseRedisUrl("redis://:pw@[::1]/")).toMatchObject({ host: "::1", port: 6379, db: 0, username: "", password: "pw" });
  });

  it.each([
    ["an out-of-range port", "redis://app:hunter2@127.0.0.1:99999", /not a valid URL/],
    ["port 0", "redis://app:hunter2@127.0.0.1:0", /port 0 is not in 1-65535/],
    ["a space in the host", "redis://app:hunter2@cache host:6379", /not a valid URL/],
    ["another scheme", "http://app:hunter2@127.0.0.1:6379", /scheme must be redis: or rediss:/],
    ["no host", "redis://app:hunter2@:6379", /./],
    ["no //", "redis:app:hunter2@host", /./],
    ["a query", "redis://app:hunter2@127.0.0.1:6379?db=2", /query/],
    ["a path that is not a db", "redis://app:hunter2@127.0.0.1:6379/cache", /database number/],
    ["a malformed %-escape", "redis://app:hunter%zz2@127.0.0.1:6379", /malformed %-escape/],
    ["an unencoded / in the password", "redis://app:hun/ter2@127.0.0.1", /./],
    ["an unencoded @ and # in the password", "redis://app:hun@ter#2@127.0.0.1", /./],
  ])("rejects %s as a ConfigError for url, without the password", (_what, url, why) => {
    const error = rejection(url);
    expect(error.field).toBe("url");
    expect(error.message).toMatch(/^url: expected a URL like redis:\/\/127\.0\.0\.1:6379/);
    expect(error.message).toMatch(why);
    expect(error.message).not.toMatch(/hunter|ter2|ter#2/);
  });

  it("cuts a long bad url short", () => {
    expect(rejection(`redis://${"h".repeat(10_000)} x`).message.length).toBeLessThan(600);
  });
});

describe("redactUrl", () => {
  it("hides everything up to the last @, and leaves a url without userinfo alone", () => {
    expect(redactUrl("rediss://app:p@ss@host:6380/2")).toBe("rediss://***@host:6380/2");
    expect(redactUrl("app:secret@host")).toBe("***@host");
    expect(redactUrl("redis://host:6379")).toBe("redis://host:6379");
  });
});
