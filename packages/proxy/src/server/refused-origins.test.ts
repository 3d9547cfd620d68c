// RefusedOrigins logs each refused origin at once, then at most once per interval with a count, and tracks a bounded number of origins.
import type { LogFields, Logger } from "@prism/pattern-sdk";
import { describe, expect, it } from "vitest";
import { RefusedOrigins } from "./refused-origins.js";

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (msg: string, _fields?: LogFields) => void lines.push(msg),
    error: () => {},
    child: () => logger,
  };
  return logger;
}

describe("RefusedOrigins", () => {
  it("logs the first refusal of an origin, then once per interval with the number suppressed", () => {
    const lines: string[] = [];
    let now = 0;
    const refused = new RefusedOrigins(recordingLogger(lines), 60_000, () => now);
    refused.note("https://a.example", "/x");
    refused.note("https://a.example", "/x");
    refused.note("https://a.example", "/x");
    refused.note("https://b.example", "/x");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("refused a cross-origin call from https://a.example to /x: the origin is not in cors.allowOrigins");
    now = 60_000;
    refused.note("https://a.example", "/y");
    expect(lines[2]).toMatch(/^refused a cross-origin call from https:\/\/a.example to \/y: .* \(2 more since the last such line\)$/);
  });

  it("counts origins beyond the tracked bound together", () => {
    const lines: string[] = [];
    const refused = new RefusedOrigins(recordingLogger(lines), 60_000, () => 0);
    for (let i = 0; i < 1000; i++) refused.note(`https://o${i}.example`, "/x");
    expect(lines).toHaveLength(101);
    expect(lines[100]).toContain("https://o100.example, one of many origins");
  });
});
