// Unit tests of SortedKeySet: random operations checked against a naive sorted array (membership,
// order, scans from arbitrary start keys and prefixes), and the block-length bounds that keep every
// insert and remove touching O(block size) keys rather than O(n).
import { describe, expect, it } from "vitest";
import { SortedKeySet } from "./sorted-key-set.js";

/** Deterministic PRNG (mulberry32) returning [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random short key over a small alphabet (lots of shared prefixes), with some characters outside ASCII. */
function randomKey(next: () => number, maxLength = 4): string {
  const alphabet = ["a", "b", "c", "é", "~", "\u{1F680}"];
  let key = "";
  const length = Math.floor(next() * (maxLength + 1));
  for (let i = 0; i < length; i++) key += alphabet[Math.floor(next() * alphabet.length)];
  return key;
}

/** The naive reference: a sorted array with O(n) updates. */
class NaiveSet {
  readonly keys: string[] = [];
  add(key: string): boolean {
    if (this.keys.includes(key)) return false;
    this.keys.push(key);
    this.keys.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return true;
  }
  delete(key: string): boolean {
    const index = this.keys.indexOf(key);
    if (index < 0) return false;
    this.keys.splice(index, 1);
    return true;
  }
}

/** Up to `limit` keys >= start (> start when exclusive) that start with `prefix`, as the memstore scan reads them. */
function scan(set: SortedKeySet, start: string, exclusive: boolean, prefix: string, limit: number): string[] {
  const keys: string[] = [];
  for (const key of set.keysFrom(start, exclusive)) {
    if (!key.startsWith(prefix) || keys.length === limit) break;
    keys.push(key);
  }
  return keys;
}

/** The same scan through forEachFrom, stopping the walk by returning false. */
function walk(set: SortedKeySet, start: string, exclusive: boolean, prefix: string, limit: number): string[] {
  const keys: string[] = [];
  set.forEachFrom(start, exclusive, (key) => {
    if (!key.startsWith(prefix) || keys.length === limit) return false;
    keys.push(key);
    return true;
  });
  return keys;
}

function naiveScan(naive: NaiveSet, start: string, exclusive: boolean, prefix: string, limit: number): string[] {
  const keys: string[] = [];
  for (const key of naive.keys) {
    if (exclusive ? key <= start : key < start) continue;
    if (!key.startsWith(prefix) || keys.length === limit) break;
    keys.push(key);
  }
  return keys;
}

/** Every block is non-empty and at most 2×B long; with more than one block, each holds at least B/2. */
function expectBlockBounds(set: SortedKeySet, blockSize: number): void {
  const lengths = set.blockLengths();
  expect(lengths.reduce((sum, length) => sum + length, 0)).toBe(set.size);
  for (const length of lengths) {
    expect(length).toBeGreaterThan(0);
    expect(length).toBeLessThanOrEqual(2 * blockSize);
    if (lengths.length > 1) expect(length).toBeGreaterThanOrEqual(blockSize >>> 1);
  }
}

describe("SortedKeySet", () => {
  it("adds, finds, deletes and iterates in ascending order", () => {
    const set = new SortedKeySet(2);
    for (const key of ["m", "c", "x", "a", "q", "c", "z", "b"]) set.add(key);
    expect(set.size).toBe(7);
    expect([...set]).toEqual(["a", "b", "c", "m", "q", "x", "z"]);
    expect(set.add("m")).toBe(false);
    expect(set.has("q")).toBe(true);
    expect(set.has("p")).toBe(false);
    expect(set.delete("q")).toBe(true);
    expect(set.delete("q")).toBe(false);
    expect([...set.keysFrom("c")]).toEqual(["c", "m", "x", "z"]);
    expect([...set.keysFrom("c", true)]).toEqual(["m", "x", "z"]);
    expect([...set.keysFrom("n")]).toEqual(["x", "z"]);
    expect([...set.keysFrom("z", true)]).toEqual([]);
    for (const key of ["a", "b", "c", "m", "x", "z"]) set.delete(key);
    expect(set.size).toBe(0);
    expect([...set]).toEqual([]);
    expect(set.blockLengths()).toEqual([]);
    expect([...set.keysFrom("")]).toEqual([]);
    set.add("again");
    expect([...set]).toEqual(["again"]);
  });

  it("rejects a block size below 2", () => {
    expect(() => new SortedKeySet(1)).toThrow(RangeError);
    expect(() => new SortedKeySet(2.5)).toThrow(RangeError);
  });

  for (const blockSize of [2, 3, 4, 8, 32, 512]) {
    it(`matches a naive sorted array under random operations and scans (block size ${blockSize})`, () => {
      const next = random(blockSize * 7919);
      const set = new SortedKeySet(blockSize);
      const naive = new NaiveSet();
      for (let step = 0; step < 6000; step++) {
        const roll = next();
        const key = randomKey(next);
        // Phases that grow and shrink the set, so blocks split, merge and disappear.
        const growing = Math.floor(step / 1500) % 2 === 0;
        if (roll < (growing ? 0.6 : 0.25)) {
          expect(set.add(key)).toBe(naive.add(key));
        } else if (roll < 0.85) {
          expect(set.delete(key)).toBe(naive.delete(key));
        } else {
          expect(set.has(key)).toBe(naive.keys.includes(key));
          const start = randomKey(next);
          const exclusive = next() < 0.5;
          const prefix = next() < 0.3 ? "" : start.slice(0, Math.floor(next() * (start.length + 1)));
          const limit = 1 + Math.floor(next() * 50);
          const expected = naiveScan(naive, start, exclusive, prefix, limit);
          expect(scan(set, start, exclusive, prefix, limit)).toEqual(expected);
          expect(walk(set, start, exclusive, prefix, limit)).toEqual(expected);
        }
        expect(set.size).toBe(naive.keys.length);
        if (step % 97 === 0) {
          expect([...set]).toEqual(naive.keys);
          expectBlockBounds(set, blockSize);
        }
      }
      expect([...set]).toEqual(naive.keys);
      // Every existing key, and every key just above or below one, as a start key.
      for (const key of naive.keys) {
        for (const start of [key, `${key}\u0000`, key.slice(0, -1)]) {
          for (const exclusive of [false, true]) {
            const expected = naiveScan(naive, start, exclusive, "", 1000);
            expect(scan(set, start, exclusive, "", 1000)).toEqual(expected);
            expect(walk(set, start, exclusive, "", 1000)).toEqual(expected);
          }
        }
      }
    });
  }

  it("keeps blocks bounded for ascending, descending and interleaved inserts and deletes of 100,000 keys", () => {
    const blockSize = 64;
    const keys = Array.from({ length: 100_000 }, (_, i) => `key:${String(i).padStart(6, "0")}`);
    const orders = [keys, [...keys].reverse(), keys.filter((_, i) => i % 2 === 0).concat(keys.filter((_, i) => i % 2 === 1))];
    for (const order of orders) {
      const set = new SortedKeySet(blockSize);
      for (const key of order) set.add(key);
      expectBlockBounds(set, blockSize);
      expect(set.size).toBe(keys.length);
      expect([...set]).toEqual(keys);
      // Delete all but every 1,000th key, in the same order: sparse survivors must not leave tiny blocks behind.
      for (const [i, key] of order.entries()) if (i % 1000 !== 0) set.delete(key);
      expectBlockBounds(set, blockSize);
      expect(set.size).toBe(100);
      for (const key of [...set]) set.delete(key);
      expect(set.blockLengths()).toEqual([]);
    }
  });
});
