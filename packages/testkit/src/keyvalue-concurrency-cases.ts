// Acceptance cases for concurrent callers: many writers to distinct keys, many writers to one key
// (the result is exactly one written value, never a mix), and mixed set/get/delete traffic.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type AcceptanceContext, text, utf8 } from "./keyvalue-acceptance-helpers.js";

/** How many concurrent callers each case starts. */
const WRITERS = 100;

/** Registers the concurrency cases. */
export function registerConcurrencyCases(ctx: AcceptanceContext): void {
  describe("concurrency", () => {
    it(`${WRITERS} concurrent writers to distinct keys are all readable afterwards`, async () => {
      const kv = ctx.caller();
      const keys = Array.from({ length: WRITERS }, (_, i) => ctx.key(`concurrent-distinct:${i}`));
      await Promise.all(keys.map((key, i) => kv.set({ key, value: utf8(`writer ${i}`) })));
      const values = await Promise.all(keys.map((key) => kv.get({ key })));
      expect(values.map((response) => text(response.value))).toEqual(keys.map((_, i) => `writer ${i}`));
    });

    it(`${WRITERS} concurrent writers to one key leave exactly one of the written values`, async () => {
      const kv = ctx.caller();
      const key = ctx.key("concurrent-one-key");
      const written = Array.from({ length: WRITERS }, (_, i) => `writer-${i + 1}-`.repeat(i + 1));
      await Promise.all(written.map((value) => kv.set({ key, value: utf8(value) })));
      const final = text((await kv.get({ key })).value);
      expect(written.includes(final), `final value (${final.length} chars) is one of the written values`).toBe(true);
    });

    it("concurrent set/get/delete/exists on a few keys only succeed or report NOT_FOUND", async () => {
      const kv = ctx.caller();
      const keys = Array.from({ length: 5 }, (_, i) => ctx.key(`concurrent-mixed:${i}`));
      const values = new Set<string>();
      const operations = Array.from({ length: 3 * WRITERS }, (_, i) => {
        const key = keys[(i * 7) % keys.length]!;
        switch (i % 4) {
          case 0: {
            const value = `value ${i}`;
            values.add(value);
            return { op: "set", run: () => kv.set({ key, value: utf8(value) }) };
          }
          case 1:
            return { op: "get", run: () => kv.get({ key }) };
          case 2:
            return { op: "delete", run: () => kv.delete({ key }) };
          default:
            return { op: "exists", run: () => kv.exists({ key }) };
        }
      });
      const outcomes = await Promise.allSettled(operations.map((operation) => operation.run()));
      const unexpected = outcomes.flatMap((outcome, i) => {
        if (outcome.status === "fulfilled") return [];
        const error = outcome.reason as unknown;
        const allowed = operations[i]!.op === "get" && error instanceof ConnectError && error.code === Code.NotFound;
        return allowed ? [] : [`${operations[i]!.op}: ${String(error)}`];
      });
      expect(unexpected).toEqual([]);
      for (const key of keys) {
        const outcome = await kv.get({ key }).then(
          (response) => text(response.value),
          (error: unknown) => (error instanceof ConnectError && error.code === Code.NotFound ? undefined : error),
        );
        if (outcome !== undefined) expect(values.has(outcome as string), `value of ${key}`).toBe(true);
      }
    });
  });
}
