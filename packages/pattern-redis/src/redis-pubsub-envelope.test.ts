// Unit tests of the PubSub wire format: round trip of any bytes and metadata, and rejection of foreign data.
import { describe, expect, it } from "vitest";
import { decodeEnvelope, encodeEnvelope } from "./redis-pubsub-envelope.js";

describe("PubSub envelope", () => {
  it("round-trips binary payloads with newlines and metadata with any text", () => {
    const payload = new Uint8Array([10, 0, 255, 10, 123, 34]);
    const metadata = { "a\nb": "c\r\n\u2603", empty: "" };
    const data = encodeEnvelope({ messageId: "0123456789abcdef", publishedAtMs: 1700000000123, metadata, payload });
    expect(data.subarray(0, data.indexOf(10)).toString()).toBe(
      '{"v":1,"id":"0123456789abcdef","publishedAtMs":1700000000123,"metadata":{"a\\nb":"c\\r\\n\u2603","empty":""}}',
    );
    expect(decodeEnvelope(data)).toEqual({ messageId: "0123456789abcdef", publishedAtMs: 1700000000123, metadata, payload });
    const view = new Uint8Array(new ArrayBuffer(16), 4, 3);
    view.set([1, 2, 3]);
    expect(decodeEnvelope(encodeEnvelope({ messageId: "x", publishedAtMs: 0, metadata: {}, payload: view }))?.payload).toEqual(
      new Uint8Array([1, 2, 3]),
    );
  });

  it("returns undefined for data that is not an envelope", () => {
    for (const foreign of [
      "plain text",
      "{}\n",
      "not json\npayload",
      '{"v":2,"id":"x","publishedAtMs":1,"metadata":{}}\n',
      '{"v":1,"id":7,"publishedAtMs":1,"metadata":{}}\n',
      '{"v":1,"id":"x","publishedAtMs":"1","metadata":{}}\n',
      '{"v":1,"id":"x","publishedAtMs":1,"metadata":{"k":1}}\n',
      '{"v":1,"id":"x","publishedAtMs":1,"metadata":[]}\n',
      "null\n",
    ]) {
      expect(decodeEnvelope(Buffer.from(foreign))).toBeUndefined();
    }
  });
});
