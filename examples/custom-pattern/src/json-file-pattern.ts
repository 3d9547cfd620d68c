#!/usr/bin/env node
// A complete Prism pattern in one file: KeyValue (set/get/delete/exists with TTL, prefix scan)
// kept in memory and saved to a JSON file after every write. @prism/pattern-sdk does the rest:
// flags, config validation, gRPC serving, key/value size limits, lifecycle, health and shutdown.
// Run it alone with `json-file-pattern --port 0`, or let the proxy start it (see README.md).
import { readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { decodeScanCursor, definePattern, encodeScanCursor, field, servePattern } from "@prism/pattern-sdk";

/** One stored value: the bytes as base64 and, with a TTL, when it expires (epoch milliseconds). */
interface StoredEntry {
  value: string;
  expiresAt?: number;
}

/** Tags our scan cursors, so a cursor from another backend is rejected as INVALID_ARGUMENT. */
const CURSOR_TAG = "jf1";

/** The json-file pattern: its name, its config schema and a factory that builds one instance. */
export const jsonFilePattern = definePattern({
  name: "json-file",
  version: "0.1.0",
  // Every field has a doc line and a default; unknown fields are rejected with the field named.
  // (`<string>` keeps TypeScript from typing `path` as the literal default "prism-data.json".)
  config: {
    path: field.string<string>("JSON file holding the data", { default: "prism-data.json" }),
  },
  create(config) {
    const entries = new Map<string, StoredEntry>(Object.entries(load(config.path)));
    const isLive = (entry: StoredEntry | undefined, now = Date.now()): entry is StoredEntry =>
      entry !== undefined && (entry.expiresAt === undefined || entry.expiresAt > now);
    // Write a temporary file, then rename it over the real one: a crash never leaves half a file.
    const save = () => {
      for (const [key, entry] of entries) if (!isLive(entry)) entries.delete(key);
      const temp = `${config.path}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(Object.fromEntries(entries)));
      renameSync(temp, config.path);
    };

    const store = (key: string, value: Uint8Array, ttlMs: number) => {
      const entry: StoredEntry = { value: Buffer.from(value).toString("base64") };
      if (ttlMs > 0) entry.expiresAt = Date.now() + ttlMs;
      entries.set(key, entry);
    };

    return {
      keyvalue: {
        set(key, value, ttlMs) {
          store(key, value, ttlMs);
          save();
        },
        // Optional batch method: one file write for the whole batch.
        async setMany(batch) {
          for (const { key, value, ttlMs } of batch) store(key, value, ttlMs);
          save();
        },
        get(key) {
          const entry = entries.get(key);
          return isLive(entry) ? bytes(entry.value) : undefined;
        },
        delete(key) {
          const existed = isLive(entries.get(key));
          if (entries.delete(key)) save();
          return existed;
        },
        exists: (key) => isLive(entries.get(key)),
        // Keys in sorted order; the cursor is the last key returned, so the next page resumes after it.
        scan({ prefix, cursor, limit, includeValues }) {
          const after = cursor === "" ? undefined : decodeScanCursor(CURSOR_TAG, cursor);
          const now = Date.now();
          const matches = [...entries]
            .filter(([key, entry]) => key.startsWith(prefix) && (after === undefined || key > after) && isLive(entry, now))
            .sort(([a], [b]) => (a < b ? -1 : 1));
          const page = matches.slice(0, limit);
          const items = page.map(([key, entry]) => ({ key, value: includeValues ? bytes(entry.value) : new Uint8Array() }));
          const last = page.at(-1)?.[0];
          return { items, nextCursor: matches.length > limit && last !== undefined ? encodeScanCursor(CURSOR_TAG, last) : "" };
        },
      },
      health() {
        const now = Date.now();
        const keys = [...entries.values()].filter((entry) => isLive(entry, now)).length;
        return { status: "HEALTHY", details: { path: config.path, keys } };
      },
    };
  },
});

/** Decodes a stored base64 value back into bytes. */
function bytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, "base64"));
}

/** Reads the saved entries; a missing file is an empty store, anything else unreadable is an error. */
function load(path: string): Record<string, StoredEntry> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, StoredEntry>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`cannot load ${path}: ${(error as Error).message}`);
  }
}

// Serve only when run as a program (not when a test or the proxy imports the definition).
const entryPoint = process.argv[1];
if (entryPoint !== undefined && import.meta.url === pathToFileURL(realpathSync(entryPoint)).href) {
  await servePattern(jsonFilePattern);
}
