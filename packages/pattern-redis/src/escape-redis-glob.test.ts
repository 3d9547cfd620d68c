// Unit tests of escapeRedisGlob.
import { describe, expect, it } from "vitest";
import { escapeRedisGlob } from "./escape-redis-glob.js";

describe("escapeRedisGlob", () => {
  it("leaves plain text alone", () => {
    expect(escapeRedisGlob("")).toBe("");
    expect(escapeRedisGlob("prism:default:user:42")).toBe("prism:default:user:42");
    expect(escapeRedisGlob("ünïcødé-_.^!{}")).toBe("ünïcødé-_.^!{}");
  });

  it("escapes every glob character", () => {
    expect(escapeRedisGlob("a*b")).toBe("a\\*b");
    expect(escapeRedisGlob("a?b")).toBe("a\\?b");
    expect(escapeRedisGlob("[ab]")).toBe("\\[ab\\]");
    expect(escapeRedisGlob("a\\b")).toBe("a\\\\b");
    expect(escapeRedisGlob("*?[]\\")).toBe("\\*\\?\\[\\]\\\\");
  });
});
