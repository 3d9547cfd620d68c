// Unit tests of the server list of the nats url field and its credential-free form.
import { describe, expect, it } from "vitest";
import { serverList, withoutCredentials } from "./nats-server-list.js";

describe("nats server list", () => {
  it("splits a comma-separated url, trimming and skipping empty entries", () => {
    expect(serverList("nats://a:4222, nats://b:4222,,")).toEqual(["nats://a:4222", "nats://b:4222"]);
  });

  it("drops user:password@ with or without a scheme, whatever the password holds", () => {
    expect(withoutCredentials("nats://app:s3cret@a:4222")).toBe("nats://a:4222");
    expect(withoutCredentials("tls://app:p@ss@a:4222")).toBe("tls://a:4222");
    expect(withoutCredentials("app:s3cret@a:4222")).toBe("a:4222");
    expect(withoutCredentials("nats://a:4222")).toBe("nats://a:4222");
  });
});
