// KeyValueService handlers over any KeyValueBackend: input validation against the limits,
// NOT_FOUND for missing keys, batch fallbacks, and mapping to the proto response shapes.
import { Code, ConnectError } from "@connectrpc/connect";
import type { KeyValueService } from "@prism/proto/keyvalue/v1";
import type { ServiceHandlers } from "@prism/wire";
import type { KeyValueBackend } from "./keyvalue-backend.js";
import type { KeyValueLimits } from "./keyvalue-limits.js";

/** Builds validated KeyValueService handlers for `backend`. */
export function createKeyValueHandlers(backend: KeyValueBackend, limits: KeyValueLimits): ServiceHandlers<typeof KeyValueService> {
  const checkKey = (key: string, what = "key"): void => {
    if (key.length === 0) {
      throw new ConnectError(`${what} is empty: keys must be at least one character`, Code.InvalidArgument);
    }
    // A UTF-8 string is at most 3 bytes per UTF-16 unit; measure only when it could be too long.
    if (key.length * 3 > limits.maxKeyBytes) {
      const size = Buffer.byteLength(key, "utf8");
      if (size > limits.maxKeyBytes) {
        throw new ConnectError(
          `${what} is ${size} bytes; the limit is ${limits.maxKeyBytes} bytes (limits.maxKeyBytes)`,
          Code.InvalidArgument,
        );
      }
    }
  };
  const checkValue = (key: string, value: Uint8Array): void => {
    if (value.byteLength > limits.maxValueBytes) {
      throw new ConnectError(
        `value for key ${quote(key)} is ${value.byteLength} bytes; the limit is ${limits.maxValueBytes} bytes (limits.maxValueBytes)`,
        Code.InvalidArgument,
      );
    }
  };
  const checkTtl = (ttl: bigint): number => {
    if (ttl > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ConnectError(`ttl_ms ${ttl} is too large (at most ${Number.MAX_SAFE_INTEGER})`, Code.InvalidArgument);
    }
    return Number(ttl);
  };
  const checkBatch = (count: number, what: string): void => {
    if (count > limits.maxBatchSize) {
      throw new ConnectError(`batch has ${count} ${what}; the limit is ${limits.maxBatchSize} (limits.maxBatchSize)`, Code.InvalidArgument);
    }
  };

  return {
    async set(request, context) {
      checkKey(request.key);
      checkValue(request.key, request.value);
      await backend.set(request.key, request.value, checkTtl(request.ttlMs), context);
      return {};
    },
    async get(request, context) {
      checkKey(request.key);
      const value = await backend.get(request.key, context);
      if (value === undefined) {
        throw new ConnectError(`key ${quote(request.key)} not found`, Code.NotFound);
      }
      return { value };
    },
    async delete(request, context) {
      checkKey(request.key);
      return { deleted: await backend.delete(request.key, context) };
    },
    async exists(request, context) {
      checkKey(request.key);
      return { exists: await backend.exists(request.key, context) };
    },
    async scan(request, context) {
      if (request.prefix.length > 0) checkKey(request.prefix, "prefix");
      const limit = request.limit === 0 ? limits.defaultScanLimit : Math.min(request.limit, limits.maxScanLimit);
      const page = await backend.scan(
        {
          prefix: request.prefix,
          cursor: request.cursor,
          limit,
          includeValues: request.includeValues,
        },
        context,
      );
      return { items: page.items, nextCursor: page.nextCursor };
    },
    async batchGet(request, context) {
      checkBatch(request.keys.length, "keys");
      for (const key of request.keys) checkKey(key);
      const values = backend.getMany
        ? await backend.getMany(request.keys, context)
        : await Promise.all(request.keys.map((key) => backend.get(key, context)));
      return {
        results: request.keys.map((key, i) => {
          const value = values[i];
          return value === undefined ? { key, found: false } : { key, found: true, value };
        }),
      };
    },
    async batchSet(request, context) {
      checkBatch(request.entries.length, "entries");
      const entries = request.entries.map((entry) => {
        checkKey(entry.key);
        checkValue(entry.key, entry.value);
        return { key: entry.key, value: entry.value, ttlMs: checkTtl(entry.ttlMs) };
      });
      if (backend.setMany) {
        await backend.setMany(entries, context);
      } else {
        for (const entry of entries) await backend.set(entry.key, entry.value, entry.ttlMs, context);
      }
      return { count: entries.length };
    },
    async batchDelete(request, context) {
      checkBatch(request.keys.length, "keys");
      for (const key of request.keys) checkKey(key);
      const deleted = backend.deleteMany
        ? await backend.deleteMany(request.keys, context)
        : await Promise.all(request.keys.map((key) => backend.delete(key, context)));
      return { deleted };
    },
  };
}

function quote(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}
