// Unit tests of the KeyValueService handlers over a Map-backed in-test backend: validation
// against the limits, NOT_FOUND, scan limit defaults and caps, and the batch fallbacks.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BatchDeleteRequestSchema,
  BatchGetRequestSchema,
  BatchSetRequestSchema,
  DeleteRequestSchema,
  ExistsRequestSchema,
  GetRequestSchema,
  ScanRequestSchema,
  SetRequestSchema,
} from "@prism/proto/keyvalue/v1";
import { describe, expect, it } from "vitest";
import type { CallContext } from "@prism/wire";
import type { KeyValueBackend, KeyValueEntry, ScanPage, ScanPageRequest } from "./keyvalue-backend.js";
import { createKeyValueHandlers } from "./keyvalue-handlers.js";
import { defaultKeyValueLimits, type KeyValueLimits } from "./keyvalue-limits.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array): string => new TextDecoder().decode(value);
const context: CallContext = { signal: new AbortController().signal };

/** Waits a few microtasks, more for earlier positions, so concurrent calls finish out of order. */
async function settleAfter(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** A Map-backed backend without batch methods that records what it was asked. */
class MapBackend implements KeyValueBackend {
  readonly data = new Map<string, { value: Uint8Array; ttlMs: number }>();
  readonly scans: ScanPageRequest[] = [];
  readonly calls: string[] = [];
  /** Keys in the order a batch is expected to arrive; later keys finish first. */
  reverseOrder: string[] = [];

  private async delay(key: string): Promise<void> {
    const index = this.reverseOrder.indexOf(key);
    if (index >= 0) await settleAfter((this.reverseOrder.length - index) * 3);
  }
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.calls.push(`set ${key}`);
    this.data.set(key, { value, ttlMs });
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    await this.delay(key);
    this.calls.push(`get ${key}`);
    return this.data.get(key)?.value;
  }
  async delete(key: string): Promise<boolean> {
    await this.delay(key);
    this.calls.push(`delete ${key}`);
    return this.data.delete(key);
  }
  exists(key: string): boolean {
    return this.data.has(key);
  }
  scan(request: ScanPageRequest): ScanPage {
    this.scans.push(request);
    const items = [...this.data.keys()]
      .filter((key) => key.startsWith(request.prefix))
      .sort()
      .slice(0, request.limit)
      .map((key) => ({ key, value: request.includeValues ? (this.data.get(key)?.value ?? new Uint8Array()) : new Uint8Array() }));
    return { items, nextCursor: "" };
  }
}

/** A MapBackend that also has the batch methods, recording their use. */
class BatchBackend extends MapBackend {
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    this.calls.push(`getMany ${keys.join(",")}`);
    return keys.map((key) => this.data.get(key)?.value);
  }
  async setMany(entries: KeyValueEntry[]): Promise<void> {
    this.calls.push(`setMany ${entries.map((entry) => `${entry.key}@${entry.ttlMs}`).join(",")}`);
    for (const entry of entries) this.data.set(entry.key, { value: entry.value, ttlMs: entry.ttlMs });
  }
  async deleteMany(keys: string[]): Promise<boolean[]> {
    this.calls.push(`deleteMany ${keys.join(",")}`);
    return keys.map((key) => this.data.delete(key));
  }
}

function setup(limits: Partial<KeyValueLimits> = {}, backend: MapBackend = new MapBackend()) {
  const handlers = createKeyValueHandlers(backend, { ...defaultKeyValueLimits, ...limits });
  return { backend, handlers };
}

async function rejects(promise: Promise<unknown>, code: Code): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(code);
    return error as ConnectError;
  }
  throw new Error(`expected ${Code[code]}`);
}

describe("KeyValue handlers: single-key calls", () => {
  it("sets, gets, tells existence and deletes", async () => {
    const { handlers, backend } = setup();
    await handlers.set(create(SetRequestSchema, { key: "k", value: bytes("v"), ttlMs: 1500n }), context);
    expect(backend.data.get("k")?.ttlMs).toBe(1500);
    const got = await handlers.get(create(GetRequestSchema, { key: "k" }), context);
    expect(text(got.value as Uint8Array)).toBe("v");
    expect(await handlers.exists(create(ExistsRequestSchema, { key: "k" }), context)).toEqual({ exists: true });
    expect(await handlers.delete(create(DeleteRequestSchema, { key: "k" }), context)).toEqual({ deleted: true });
    expect(await handlers.delete(create(DeleteRequestSchema, { key: "k" }), context)).toEqual({ deleted: false });
    expect(await handlers.exists(create(ExistsRequestSchema, { key: "k" }), context)).toEqual({ exists: false });
  });

  it("answers Get of a missing key with NOT_FOUND naming the key", async () => {
    const { handlers } = setup();
    const error = await rejects(handlers.get(create(GetRequestSchema, { key: "nope" }), context), Code.NotFound);
    expect(error.rawMessage).toContain('"nope"');
  });

  it("rejects an empty key on every single-key call", async () => {
    const { handlers, backend } = setup();
    const calls = [
      handlers.set(create(SetRequestSchema, { key: "", value: bytes("v") }), context),
      handlers.get(create(GetRequestSchema, { key: "" }), context),
      handlers.delete(create(DeleteRequestSchema, { key: "" }), context),
      handlers.exists(create(ExistsRequestSchema, { key: "" }), context),
    ];
    for (const call of calls) {
      const error = await rejects(call, Code.InvalidArgument);
      expect(error.rawMessage).toContain("empty");
    }
    expect(backend.calls).toEqual([]);
  });

  it("counts key size in UTF-8 bytes, not characters", async () => {
    const { handlers, backend } = setup({ maxKeyBytes: 6 });
    // "éé" is 2 characters but 4 bytes; "ééé" is 6 bytes; "éééé" is 8 bytes.
    await handlers.set(create(SetRequestSchema, { key: "ééé", value: bytes("v") }), context);
    expect(backend.data.has("ééé")).toBe(true);
    const error = await rejects(handlers.set(create(SetRequestSchema, { key: "éééé", value: bytes("v") }), context), Code.InvalidArgument);
    expect(error.rawMessage).toContain("8 bytes");
    expect(error.rawMessage).toContain("limits.maxKeyBytes");
    expect(backend.data.has("éééé")).toBe(false);
    // 2 emoji = 4 UTF-16 units = 8 bytes
    await rejects(handlers.get(create(GetRequestSchema, { key: "🚀🚀" }), context), Code.InvalidArgument);
    // 3 ASCII chars fit whatever the 3-bytes-per-unit shortcut says
    await rejects(handlers.get(create(GetRequestSchema, { key: "abc" }), context), Code.NotFound);
    const exact = await rejects(handlers.get(create(GetRequestSchema, { key: "abcdefg" }), context), Code.InvalidArgument);
    expect(exact.rawMessage).toContain("7 bytes; the limit is 6 bytes");
  });

  it("rejects a value over maxValueBytes naming the limit field", async () => {
    const { handlers, backend } = setup({ maxValueBytes: 4 });
    await handlers.set(create(SetRequestSchema, { key: "ok", value: new Uint8Array(4) }), context);
    const error = await rejects(
      handlers.set(create(SetRequestSchema, { key: "big", value: new Uint8Array(5) }), context),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toContain("limits.maxValueBytes");
    expect(error.rawMessage).toContain("5 bytes");
    expect(backend.data.has("big")).toBe(false);
  });

  it("rejects a TTL beyond the safe integer range", async () => {
    const { handlers } = setup();
    const error = await rejects(
      handlers.set(create(SetRequestSchema, { key: "k", value: bytes("v"), ttlMs: 2n ** 60n }), context),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toContain("ttl_ms");
  });
});

describe("KeyValue handlers: scan", () => {
  it("uses defaultScanLimit for limit 0 and caps at maxScanLimit", async () => {
    const { handlers, backend } = setup({ defaultScanLimit: 7, maxScanLimit: 20 });
    await handlers.scan(create(ScanRequestSchema, { prefix: "p", limit: 0 }), context);
    await handlers.scan(create(ScanRequestSchema, { prefix: "p", limit: 5 }), context);
    await handlers.scan(create(ScanRequestSchema, { prefix: "p", limit: 20 }), context);
    await handlers.scan(create(ScanRequestSchema, { prefix: "p", limit: 5000 }), context);
    expect(backend.scans.map((scan) => scan.limit)).toEqual([7, 5, 20, 20]);
  });

  it("passes prefix, cursor and includeValues through and maps the page", async () => {
    const { handlers, backend } = setup();
    backend.data.set("a1", { value: bytes("x"), ttlMs: 0 });
    backend.data.set("b1", { value: bytes("y"), ttlMs: 0 });
    const page = await handlers.scan(create(ScanRequestSchema, { prefix: "a", cursor: "c0", limit: 10, includeValues: true }), context);
    expect(backend.scans[0]).toEqual({ prefix: "a", cursor: "c0", limit: 10, includeValues: true });
    expect(page.nextCursor).toBe("");
    expect(page.items?.map((item) => [item.key, text(item.value as Uint8Array)])).toEqual([["a1", "x"]]);
  });

  it("allows an empty prefix but rejects a prefix over maxKeyBytes", async () => {
    const { handlers, backend } = setup({ maxKeyBytes: 3 });
    await handlers.scan(create(ScanRequestSchema, { prefix: "" }), context);
    const error = await rejects(handlers.scan(create(ScanRequestSchema, { prefix: "abcd" }), context), Code.InvalidArgument);
    expect(error.rawMessage).toContain("prefix");
    expect(error.rawMessage).toContain("limits.maxKeyBytes");
    expect(backend.scans).toHaveLength(1);
  });
});

describe("KeyValue handlers: batches", () => {
  it("rejects batches over maxBatchSize naming the limit field", async () => {
    const { handlers, backend } = setup({ maxBatchSize: 2 });
    const keys = ["a", "b", "c"];
    for (const call of [
      handlers.batchGet(create(BatchGetRequestSchema, { keys }), context),
      handlers.batchDelete(create(BatchDeleteRequestSchema, { keys }), context),
      handlers.batchSet(create(BatchSetRequestSchema, { entries: keys.map((key) => ({ key, value: bytes(key) })) }), context),
    ]) {
      const error = await rejects(call, Code.InvalidArgument);
      expect(error.rawMessage).toContain("limits.maxBatchSize");
      expect(error.rawMessage).toContain("3");
    }
    expect(backend.calls).toEqual([]);
  });

  it("validates every key and value of a batch before touching the backend", async () => {
    const { handlers, backend } = setup({ maxValueBytes: 2 });
    await rejects(
      handlers.batchSet(
        create(BatchSetRequestSchema, {
          entries: [
            { key: "a", value: bytes("1") },
            { key: "b", value: bytes("123") },
          ],
        }),
        context,
      ),
      Code.InvalidArgument,
    );
    await rejects(handlers.batchGet(create(BatchGetRequestSchema, { keys: ["a", ""] }), context), Code.InvalidArgument);
    await rejects(handlers.batchDelete(create(BatchDeleteRequestSchema, { keys: ["", "a"] }), context), Code.InvalidArgument);
    expect(backend.calls).toEqual([]);
    expect(backend.data.size).toBe(0);
  });

  it("falls back to per-key calls and keeps request order when calls finish out of order", async () => {
    const { handlers, backend } = setup();
    const keys = ["k1", "missing", "k3", "k4"];
    backend.reverseOrder = keys;
    const set = await handlers.batchSet(
      create(BatchSetRequestSchema, {
        entries: [
          { key: "k1", value: bytes("v1"), ttlMs: 10n },
          { key: "k3", value: bytes("v3") },
          { key: "k4", value: bytes("v4") },
        ],
      }),
      context,
    );
    expect(set).toEqual({ count: 3 });
    expect(backend.calls).toEqual(["set k1", "set k3", "set k4"]);
    expect(backend.data.get("k1")?.ttlMs).toBe(10);

    backend.calls.length = 0;
    const got = await handlers.batchGet(create(BatchGetRequestSchema, { keys }), context);
    // The backend answered in reverse order; results still follow the request.
    expect(backend.calls).toEqual(["get k4", "get k3", "get missing", "get k1"]);
    expect(got.results?.map((result) => [result.key, result.found, result.value ? text(result.value as Uint8Array) : undefined])).toEqual([
      ["k1", true, "v1"],
      ["missing", false, undefined],
      ["k3", true, "v3"],
      ["k4", true, "v4"],
    ]);

    backend.calls.length = 0;
    const deleted = await handlers.batchDelete(create(BatchDeleteRequestSchema, { keys }), context);
    expect(backend.calls).toEqual(["delete k4", "delete k3", "delete missing", "delete k1"]);
    expect(deleted).toEqual({ deleted: [true, false, true, true] });
    expect(backend.data.size).toBe(0);
  });

  it("uses the backend's batch methods when it has them", async () => {
    const { handlers, backend } = setup({}, new BatchBackend());
    await handlers.batchSet(
      create(BatchSetRequestSchema, {
        entries: [
          { key: "a", value: bytes("1"), ttlMs: 5n },
          { key: "b", value: bytes("2") },
        ],
      }),
      context,
    );
    const got = await handlers.batchGet(create(BatchGetRequestSchema, { keys: ["b", "x", "a"] }), context);
    const deleted = await handlers.batchDelete(create(BatchDeleteRequestSchema, { keys: ["a", "x"] }), context);
    expect(backend.calls).toEqual(["setMany a@5,b@0", "getMany b,x,a", "deleteMany a,x"]);
    expect(got.results?.map((result) => [result.key, result.found])).toEqual([
      ["b", true],
      ["x", false],
      ["a", true],
    ]);
    expect(deleted).toEqual({ deleted: [true, false] });
  });

  it("accepts an empty batch", async () => {
    const { handlers } = setup();
    expect(await handlers.batchGet(create(BatchGetRequestSchema, { keys: [] }), context)).toEqual({ results: [] });
    expect(await handlers.batchSet(create(BatchSetRequestSchema, { entries: [] }), context)).toEqual({ count: 0 });
    expect(await handlers.batchDelete(create(BatchDeleteRequestSchema, { keys: [] }), context)).toEqual({ deleted: [] });
  });
});
