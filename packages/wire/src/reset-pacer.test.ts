// Unit tests of the reset pacer: resets within the burst go out at once, the rest wait for the
// budget to refill (paused meanwhile), and streams that ended while waiting are skipped. The
// hostile-client suite proves it against a real pattern server (mass cancellation).
import type { ClientHttp2Stream } from "node:http2";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ResetPacer } from "./reset-pacer.js";

/** A stand-in stream recording its reset (`closed` writable, to end it from the server side). */
type FakeStream = Omit<ClientHttp2Stream, "closed"> & { closed: boolean; resetWith: number | undefined; paused: boolean };

function fakeStream(): FakeStream {
  const stream = {
    closed: false,
    destroyed: false,
    resetWith: undefined as number | undefined,
    paused: false,
    close(code: number) {
      stream.closed = true;
      stream.resetWith = code;
    },
    pause() {
      stream.paused = true;
    },
  };
  return stream as unknown as FakeStream;
}

afterEach(() => vi.useRealTimers());

describe("ResetPacer", () => {
  it("resets within the burst at once, then at the refill rate", () => {
    vi.useFakeTimers();
    let now = 0;
    const pacer = new ResetPacer({ burst: 3, perSecond: 10 }, () => now);
    const streams = Array.from({ length: 6 }, fakeStream);
    for (const stream of streams) pacer.reset(stream as ClientHttp2Stream, 8);
    expect(streams.map((s) => s.resetWith)).toEqual([8, 8, 8, undefined, undefined, undefined]);
    expect(streams.slice(3).every((s) => s.paused)).toBe(true);
    expect(pacer.pending).toBe(3);
    now = 100;
    vi.advanceTimersByTime(100);
    expect(streams.filter((s) => s.closed)).toHaveLength(4);
    now = 300;
    vi.advanceTimersByTime(200);
    expect(streams.every((s) => s.resetWith === 8)).toBe(true);
    expect(pacer.pending).toBe(0);
  });

  it("keeps order behind waiting resets and skips streams that ended while waiting", () => {
    vi.useFakeTimers();
    let now = 0;
    const pacer = new ResetPacer({ burst: 1, perSecond: 10 }, () => now);
    const [first, second, third] = [fakeStream(), fakeStream(), fakeStream()];
    pacer.reset(first as ClientHttp2Stream, 8);
    pacer.reset(second as ClientHttp2Stream, 8);
    second.closed = true; // the server ended it meanwhile
    pacer.reset(third as ClientHttp2Stream, 8);
    now = 100;
    vi.advanceTimersByTime(100);
    expect(second.resetWith).toBeUndefined();
    expect(third.resetWith).toBe(8);
    expect(pacer.pending).toBe(0);
  });

  it("never resets a stream that has already closed", () => {
    const pacer = new ResetPacer({ burst: 5, perSecond: 10 }, () => 0);
    const stream = fakeStream();
    stream.closed = true;
    pacer.reset(stream as ClientHttp2Stream, 8);
    expect(stream.resetWith).toBeUndefined();
  });
});
