// SortedKeySet: a set of strings in ascending order, stored as a list of sorted blocks (a flat,
// B+-tree-like layout). Insert and remove cost O(log n + B) instead of O(n) for one sorted array,
// and iteration can start at any key, which is what a prefix scan with a cursor needs.

/** Default target block length: blocks split above twice this and merge below half of it. */
const DEFAULT_BLOCK_SIZE = 512;

/** A set of strings kept in ascending (UTF-16 code unit) order. */
export class SortedKeySet {
  /** Non-empty sorted blocks; every key of a block is below every key of the next. */
  private blocks: string[][] = [];
  private count = 0;
  private readonly blockSize: number;

  /** Creates an empty set; `blockSize` (at least 2) is the target block length. */
  constructor(blockSize = DEFAULT_BLOCK_SIZE) {
    if (!Number.isInteger(blockSize) || blockSize < 2) {
      throw new RangeError(`blockSize must be an integer of at least 2, got ${blockSize}`);
    }
    this.blockSize = blockSize;
  }

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /** Tells whether `key` is in the set. */
  has(key: string): boolean {
    const b = this.findBlock(key, false);
    if (b === this.blocks.length) return false;
    const block = this.blocks[b]!;
    return block[lowerBound(block, key)] === key;
  }

  /** Adds `key`; returns false when it was already present. */
  add(key: string): boolean {
    const blocks = this.blocks;
    if (blocks.length === 0) {
      blocks.push([key]);
      this.count = 1;
      return true;
    }
    // The first block whose last key is >= key, or the last block for a key above every key.
    const b = Math.min(this.findBlock(key, false), blocks.length - 1);
    const block = blocks[b]!;
    const index = lowerBound(block, key);
    if (block[index] === key) return false;
    block.splice(index, 0, key);
    this.count++;
    if (block.length > 2 * this.blockSize) blocks.splice(b + 1, 0, block.splice(this.blockSize));
    return true;
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    const b = this.findBlock(key, false);
    if (b === this.blocks.length) return false;
    const block = this.blocks[b]!;
    const index = lowerBound(block, key);
    if (block[index] !== key) return false;
    block.splice(index, 1);
    this.count--;
    if (block.length < this.blockSize >>> 1) this.rebalance(b);
    return true;
  }

  /** Keys >= `start` (or > `start` when `exclusive`), ascending. The set must not change during the iteration. */
  *keysFrom(start: string, exclusive = false): Generator<string, void, undefined> {
    const blocks = this.blocks;
    let b = this.findBlock(start, exclusive);
    if (b === blocks.length) return;
    let index = exclusive ? upperBound(blocks[b]!, start) : lowerBound(blocks[b]!, start);
    for (; b < blocks.length; b++, index = 0) {
      const block = blocks[b]!;
      for (; index < block.length; index++) yield block[index]!;
    }
  }

  /**
   * Calls `visit` with each key >= `start` (> `start` when `exclusive`), ascending, until it returns
   * false. Faster than keysFrom for long walks. The set must not change during the walk.
   */
  forEachFrom(start: string, exclusive: boolean, visit: (key: string) => boolean | undefined): void {
    const blocks = this.blocks;
    let b = this.findBlock(start, exclusive);
    if (b === blocks.length) return;
    let index = exclusive ? upperBound(blocks[b]!, start) : lowerBound(blocks[b]!, start);
    for (; b < blocks.length; b++, index = 0) {
      const block = blocks[b]!;
      for (; index < block.length; index++) if (visit(block[index]!) === false) return;
    }
  }

  /** Every key, ascending. */
  [Symbol.iterator](): Generator<string, void, undefined> {
    return this.keysFrom("");
  }

  /** Lengths of the internal blocks, in order; for tests and diagnostics. */
  blockLengths(): number[] {
    return this.blocks.map((block) => block.length);
  }

  /** Index of the first block whose last key is >= `key` (> `key` when `exclusive`); blocks.length if none. */
  private findBlock(key: string, exclusive: boolean): number {
    const blocks = this.blocks;
    let low = 0;
    let high = blocks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const block = blocks[mid]!;
      const last = block[block.length - 1]!;
      if (exclusive ? last <= key : last < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Restores the block invariants after block `b` shrank below half the block size. */
  private rebalance(b: number): void {
    const blocks = this.blocks;
    if (blocks.length === 1) {
      if (blocks[0]!.length === 0) blocks.pop();
      return;
    }
    // Merge the block with a neighbour; split the result again if it is too long.
    const left = b > 0 ? b - 1 : b;
    const merged = blocks[left]!.concat(blocks[left + 1]!);
    if (merged.length > 2 * this.blockSize) {
      const half = merged.length >>> 1;
      blocks.splice(left, 2, merged.slice(0, half), merged.slice(half));
    } else {
      blocks.splice(left, 2, merged);
    }
  }
}

/** First index whose key is >= `key`. */
function lowerBound(keys: string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** First index whose key is > `key`. */
function upperBound(keys: string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! <= key) low = mid + 1;
    else high = mid;
  }
  return low;
}
