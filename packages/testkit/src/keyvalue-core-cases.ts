// Acceptance cases every KeyValue backend must pass: set/get, NOT_FOUND, overwrite, binary, empty
// and 2 MiB values, delete, exists, unusual keys, and INVALID_ARGUMENT for an empty key.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type AcceptanceContext, expectCode, expectSameBytes, text, utf8 } from "./keyvalue-acceptance-helpers.js";

/** Registers the core and validation cases. */
export function registerCoreCases(ctx: AcceptanceContext): void {
  describe("core", () => {
    it("get returns what set stored", async () => {
      const kv = ctx.caller();
      const key = ctx.key("core:set-get");
      await kv.set({ key, value: utf8("hello") });
      expect(text((await kv.get({ key })).value)).toBe("hello");
    });

    it("get of a missing key is NOT_FOUND", async () => {
      await expectCode(ctx.caller().get({ key: ctx.key("core:never-written") }), Code.NotFound);
    });

    it("set overwrites the previous value, longer or shorter", async () => {
      const kv = ctx.caller();
      const key = ctx.key("core:overwrite");
      await kv.set({ key, value: utf8("first") });
      await kv.set({ key, value: utf8("a much longer second value") });
      expect(text((await kv.get({ key })).value)).toBe("a much longer second value");
      await kv.set({ key, value: utf8("3rd") });
      expect(text((await kv.get({ key })).value)).toBe("3rd");
    });

    it("stores binary values holding every byte 0..255", async () => {
      const kv = ctx.caller();
      const key = ctx.key("core:binary");
      const ascending = Uint8Array.from({ length: 256 }, (_, i) => i);
      const value = new Uint8Array([...ascending, ...ascending.toReversed(), 0, 0, 255, 0]);
      await kv.set({ key, value });
      expectSameBytes((await kv.get({ key })).value, value);
    });

    it("stores an empty value as present, not missing", async () => {
      const kv = ctx.caller();
      const key = ctx.key("core:empty-value");
      await kv.set({ key, value: new Uint8Array(0) });
      expect((await kv.get({ key })).value.byteLength).toBe(0);
      expect((await kv.exists({ key })).exists).toBe(true);
    });

    it("round-trips a 2 MiB value", { timeout: 60_000 }, async () => {
      const kv = ctx.caller();
      const key = ctx.key("core:two-mib");
      const value = Uint8Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 31 + (i >> 11)) % 251);
      await kv.set({ key, value });
      expectSameBytes((await kv.get({ key })).value, value);
      // Removed again so the rest of the suite does not carry 2 MiB around.
      expect((await kv.delete({ key })).deleted).toBe(true);
    });

    it("delete reports true for an existing key and false for a missing one", async () => {
      const kv = ctx.caller();
      const key = ctx.key("core:delete");
      await kv.set({ key, value: utf8("x") });
      expect((await kv.delete({ key })).deleted).toBe(true);
      await expectCode(kv.get({ key }), Code.NotFound);
      expect((await kv.delete({ key })).deleted).toBe(false);
      expect((await kv.delete({ key: ctx.key("core:delete-never-written") })).deleted).toBe(false);
    });

    it("exists is true for a stored key and false for a missing or deleted one", async () => {
      const kv = ctx.caller();
      const key = ctx.key("core:exists");
      expect((await kv.exists({ key })).exists).toBe(false);
      await kv.set({ key, value: utf8("x") });
      expect((await kv.exists({ key })).exists).toBe(true);
      await kv.delete({ key });
      expect((await kv.exists({ key })).exists).toBe(false);
    });

    it("accepts keys with spaces, unicode, glob characters, backslashes and colons", async () => {
      const kv = ctx.caller();
      const names = ["with space", "ключ 🔑", "*?[]\\", "a:b:c", "tab\there", "[^a-z]*", "\\*", "::"];
      for (const name of names) {
        const key = ctx.key(`core:odd:${name}`);
        await kv.set({ key, value: utf8(`value of ${name}`) });
      }
      for (const name of names) {
        const key = ctx.key(`core:odd:${name}`);
        expect(text((await kv.get({ key })).value), key).toBe(`value of ${name}`);
        expect((await kv.exists({ key })).exists, key).toBe(true);
      }
      for (const name of names) {
        const key = ctx.key(`core:odd:${name}`);
        expect((await kv.delete({ key })).deleted, key).toBe(true);
        await expectCode(kv.get({ key }), Code.NotFound);
      }
    });
  });

  describe("validation", () => {
    it("an empty key is INVALID_ARGUMENT", async () => {
      const kv = ctx.caller();
      await expectCode(kv.set({ key: "", value: utf8("x") }), Code.InvalidArgument);
      await expectCode(kv.get({ key: "" }), Code.InvalidArgument);
      await expectCode(kv.delete({ key: "" }), Code.InvalidArgument);
      await expectCode(kv.exists({ key: "" }), Code.InvalidArgument);
    });
  });
}
