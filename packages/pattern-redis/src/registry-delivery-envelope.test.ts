// Unit tests of the registry delivery envelope: round trip with any payload bytes, and foreign data refused.
import { describe, expect, it } from "vitest";
import { decodeDelivery, encodeDelivery } from "./registry-delivery-envelope.js";

describe("registry delivery envelope", () => {
  it("round-trips a delivery, payload bytes (newlines included) untouched", () => {
    const delivery = {
      payload: new Uint8Array([0, 10, 255, 10, 13]),
      contentType: "application/octet-stream",
      metadata: { k: "v\nw", empty: "" },
      messageId: "m-1",
      sentAtMs: 1_767_225_600_123,
    };
    expect(decodeDelivery(encodeDelivery(delivery))).toEqual(delivery);
    expect(decodeDelivery(encodeDelivery({ ...delivery, payload: new Uint8Array(0), metadata: {} }))).toMatchObject({ metadata: {} });
  });

  it("refuses data that is not a delivery of this version", () => {
    const refuse = (text: string) => expect(decodeDelivery(Buffer.from(text))).toBeUndefined();
    refuse("no newline");
    refuse("not json\npayload");
    refuse('{"v":2,"id":"a","t":1,"ct":"","md":{}}\n');
    refuse('{"v":1,"id":"a","t":"1","ct":"","md":{}}\n');
    refuse('{"v":1,"id":"a","t":1,"ct":"","md":{"n":1}}\n');
    refuse('{"v":1,"id":"a","t":1,"md":{}}\n');
  });
});
