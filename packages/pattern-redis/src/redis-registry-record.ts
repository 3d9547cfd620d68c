// How one identity is stored in the registry's Redis hash: `<expiresAtMs>:<registeredAtMs>:<ttlMs>:<metadata JSON>`.
// The numbers lead so that a reader can skip an expired entry without parsing its metadata, and a heartbeat
// script can rewrite the expiry with a string match (Lua never re-encodes the metadata, so numbers keep
// their exact JSON form). The scripts in redis-registry-scripts.ts write this format; this module reads it.
import type { RegisteredIdentity, RegistryMetadata } from "@prism/pattern-sdk";

/** An identity's stored value, split but with its metadata still JSON. */
export interface RedisRegistryRecord {
  /** Unix milliseconds (Redis clock). */
  expiresAtMs: number;
  /** Unix milliseconds (Redis clock). */
  registeredAtMs: number;
  /** The TTL it was registered with, in milliseconds. */
  ttlMs: number;
  /** The metadata as JSON. */
  metadataJson: string;
}

/** The expiry of a stored value, read from its first field only; NaN when the value is not in the format. */
export function recordExpiry(value: string): number {
  const end = value.indexOf(":");
  return end <= 0 ? Number.NaN : Number(value.slice(0, end));
}

/** Splits a stored value; undefined when it is not in the format (a foreign writer). */
export function parseRecord(value: string): RedisRegistryRecord | undefined {
  const first = value.indexOf(":");
  const second = value.indexOf(":", first + 1);
  const third = second < 0 ? -1 : value.indexOf(":", second + 1);
  if (first <= 0 || third < 0) return undefined;
  const expiresAtMs = Number(value.slice(0, first));
  const registeredAtMs = Number(value.slice(first + 1, second));
  const ttlMs = Number(value.slice(second + 1, third));
  if (!Number.isSafeInteger(expiresAtMs) || !Number.isSafeInteger(registeredAtMs) || !Number.isSafeInteger(ttlMs)) return undefined;
  return { expiresAtMs, registeredAtMs, ttlMs, metadataJson: value.slice(third + 1) };
}

/** The metadata of a record; undefined when its JSON is not an object. */
export function parseMetadata(metadataJson: string): RegistryMetadata | undefined {
  try {
    const parsed: unknown = JSON.parse(metadataJson);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as RegistryMetadata) : undefined;
  } catch {
    return undefined;
  }
}

/** The RegisteredIdentity of `identity` stored as `value`; undefined when the value is malformed. */
export function recordIdentity(identity: string, value: string): RegisteredIdentity | undefined {
  const record = parseRecord(value);
  const metadata = record === undefined ? undefined : parseMetadata(record.metadataJson);
  if (record === undefined || metadata === undefined) return undefined;
  return { identity, metadata, registeredAtMs: record.registeredAtMs, expiresAtMs: record.expiresAtMs, ttlMs: record.ttlMs };
}
