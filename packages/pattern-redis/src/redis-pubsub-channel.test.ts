// Unit tests of PubSub channel names and the globs wildcard filters PSUBSCRIBE.
import { topicMatches } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { channelTopic, filterGlob, pubSubChannelPrefix } from "./redis-pubsub-channel.js";

/** Redis glob matching for the subset the globs use: `*` and backslash escapes. */
function globMatches(glob: string, text: string): boolean {
  const source = glob.replace(/\\(.)|\*|[.+?^${}()|[\]\\]/g, (token, escaped: string | undefined) =>
    escaped !== undefined ? escaped.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : token === "*" ? ".*" : `\\${token}`,
  );
  return new RegExp(`^${source}$`, "s").test(text);
}

describe("PubSub channels", () => {
  it("names channels <keyPrefix>ps:<topic> and reads the topic back", () => {
    const prefix = pubSubChannelPrefix("prism:orders:");
    expect(prefix).toBe("prism:orders:ps:");
    expect(channelTopic(prefix, "prism:orders:ps:a.b")).toBe("a.b");
    expect(channelTopic(prefix, "prism:other:ps:a.b")).toBeUndefined();
    expect(channelTopic(prefix, prefix)).toBeUndefined();
  });

  it("turns wildcard filters into escaped superset globs", () => {
    expect(filterGlob("p:ps:", "orders.*")).toBe("p:ps:orders.*");
    expect(filterGlob("p:ps:", "orders.>")).toBe("p:ps:orders.*");
    expect(filterGlob("p:ps:", "*.eu.>")).toBe("p:ps:*.eu.*");
    expect(filterGlob("p:ps:", ">")).toBe("p:ps:*");
    expect(filterGlob("a*[b]?\\:ps:", "x.*")).toBe("a\\*\\[b\\]\\?\\\\:ps:x.*");
  });

  it("never misses a topic the filter matches (the glob is a superset)", () => {
    const prefix = "n[1]*:ps:";
    const topics = ["a", "a.b", "a.b.c", "b.a", "a.x.c", "ab.c", "a:b.c-d_e"];
    for (const filter of ["a.*", "a.>", "*.b", "*.*.c", ">", "a.*.c", "*"]) {
      for (const topic of topics) {
        if (topicMatches(filter, topic)) expect(globMatches(filterGlob(prefix, filter), prefix + topic)).toBe(true);
      }
    }
    expect(globMatches(filterGlob(prefix, "a.*"), "nX:ps:a.b")).toBe(false);
  });
});
