// Acceptance cases for BatchGet, BatchSet and BatchDelete: per-key results in request order,
// missing keys reported as found=false / deleted=false, and later entries winning within a batch.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type AcceptanceContext, expectCode, text, utf8 } from "./keyvalue-acceptance-helpers.js";

/** Registers the batch cases. */
export function registerBatchCases(ctx: AcceptanceContext): void {
  describe("batch", () => {
    it("BatchGet answers in request order with found=false for missing keys", async () => {
      const kv = ctx.caller();
      const [a, b, c, missing] = ["a", "b", "c", "missing"].map((name) => ctx.key(`batch-get:${name}`)) as [string, string, string, string];
      for (const key of [a, b, c]) await kv.set({ key, value: utf8(`value of ${key}`) });
      const { results } = await kv.batchGet({ keys: [c, missing, a, b] });
      expect(results.map((result) => ({ key: result.key, found: result.found, value: text(result.value) }))).toEqual([
        { key: c, found: true, value: `value of ${c}` },
        { key: missing, found: false, value: "" },
        { key: a, found: true, value: `value of ${a}` },
        { key: b, found: true, value: `value of ${b}` },
      ]);
    });

    it("BatchSet writes every entry, and a key given twice ends with its later value", async () => {
      const kv = ctx.caller();
      const [x, y, z] = ["x", "y", "z"].map((name) => ctx.key(`batch-set:${name}`)) as [string, string, string];
      const { count } = await kv.batchSet({
        entries: [
          { key: z, value: utf8("z1") },
          { key: x, value: utf8("x1") },
          { key: y, value: new Uint8Array(0) },
          { key: z, value: utf8("z2") },
        ],
      });
      expect(count).toBe(4);
      expect(text((await kv.get({ key: x })).value)).toBe("x1");
      expect((await kv.get({ key: y })).value.byteLength).toBe(0);
      expect(text((await kv.get({ key: z })).value)).toBe("z2");
    });

    it("BatchDelete answers in request order with deleted=false for missing keys", async () => {
      const kv = ctx.caller();
      const [a, b, missing] = ["a", "b", "missing"].map((name) => ctx.key(`batch-delete:${name}`)) as [string, string, string];
      await kv.set({ key: a, value: utf8("a") });
      await kv.set({ key: b, value: utf8("b") });
      expect((await kv.batchDelete({ keys: [b, missing, a] })).deleted).toEqual([true, false, true]);
      await expectCode(kv.get({ key: a }), Code.NotFound);
      await expectCode(kv.get({ key: b }), Code.NotFound);
      expect((await kv.batchDelete({ keys: [a, b] })).deleted).toEqual([false, false]);
    });
  });
}
