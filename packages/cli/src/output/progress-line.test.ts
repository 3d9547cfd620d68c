// Tests of ProgressLine: drawn in place, throttled, erased on clear, silent when disabled.
import { describe, expect, it } from "vitest";
import { ProgressLine } from "./progress-line.js";

describe("ProgressLine", () => {
  it("draws, throttles redraws (unless forced) and erases", () => {
    const written: string[] = [];
    let now = 0;
    const line = new ProgressLine({ write: (text: string) => written.push(text) }, true, () => now);
    line.update("one");
    now = 50;
    line.update("two");
    line.update("three", true);
    now = 500;
    line.update("four");
    line.clear();
    line.clear();
    expect(written).toEqual(["\r\u001b[Kone", "\r\u001b[Kthree", "\r\u001b[Kfour", "\r\u001b[K"]);
    expect(line.text).toBe("four");
  });

  it("writes nothing when disabled", () => {
    const written: string[] = [];
    const line = new ProgressLine({ write: (text: string) => written.push(text) }, false);
    line.update("x", true);
    line.clear();
    expect(written).toEqual([]);
  });
});
