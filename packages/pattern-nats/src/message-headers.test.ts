// Unit tests of the NATS headers of a Prism message.
import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { decodeHeaders, encodeHeaders } from "./message-headers.js";

describe("message headers", () => {
  it("round-trips id, publish time and metadata of any strings", () => {
    const metadata = { "content-type": "text/plain", "odd: key ✓": " spaced\r\nlines ", "": "" };
    const h = encodeHeaders("id-1", 1_700_000_000_123, metadata);
    expect(h.get("Prism-Message-Id")).toBe("id-1");
    expect(h.get("Prism-Published-At")).toBe("1700000000123");
    expect(decodeHeaders(h)).toEqual({ messageId: "id-1", publishedAtMs: 1_700_000_000_123, metadata });
  });

  it("leaves out the metadata header when there is none", () => {
    expect(encodeHeaders("id-2", 1, {}).has("Prism-Metadata")).toBe(false);
  });

  it("tolerates messages from other publishers: no headers, or malformed ones", () => {
    expect(decodeHeaders(undefined)).toEqual({ messageId: undefined, publishedAtMs: undefined, metadata: {} });
    const h = headers();
    h.set("Prism-Metadata", "[not an object]");
    h.set("Prism-Published-At", "soon");
    expect(decodeHeaders(h)).toEqual({ messageId: undefined, publishedAtMs: undefined, metadata: {} });
  });
});
