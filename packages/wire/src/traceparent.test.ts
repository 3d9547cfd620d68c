// validTraceparent: only a well-formed version-00 traceparent passes.
import { expect, it } from "vitest";
import { validTraceparent } from "./traceparent.js";

it("passes a well-formed traceparent and drops anything else", () => {
  const good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  expect(validTraceparent(good)).toBe(good);
  for (const bad of [
    undefined,
    null,
    "",
    [good, good],
    good.toUpperCase(),
    `${good} `,
    good.replace("0af7", "0éf7").slice(0, 55),
    "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "x".repeat(400),
  ]) {
    expect(validTraceparent(bad)).toBeUndefined();
  }
});
