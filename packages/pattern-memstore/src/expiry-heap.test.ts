// Unit tests of ExpiryHeap: earliest-first order under random pushes and pops, checked against a
// sorted array, and retain() dropping nodes while keeping the heap order.
import { describe, expect, it } from "vitest";
import { ExpiryHeap, type ExpiryNode } from "./expiry-heap.js";

describe("ExpiryHeap", () => {
  it("pops nodes earliest first under random pushes and pops", () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const heap = new ExpiryHeap();
    const reference: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      if (next() < 0.55) {
        const expiresAt = Math.floor(next() * 1000);
        heap.push({ key: `k${step}`, expiresAt });
        reference.push(expiresAt);
        reference.sort((a, b) => a - b);
      } else {
        expect(heap.peek()?.expiresAt).toBe(reference[0]);
        expect(heap.pop()?.expiresAt).toBe(reference.shift());
      }
      expect(heap.size).toBe(reference.length);
    }
    while (reference.length > 0) expect(heap.pop()?.expiresAt).toBe(reference.shift());
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
  });

  it("retain keeps only the chosen nodes, still earliest first", () => {
    const heap = new ExpiryHeap();
    const nodes: ExpiryNode[] = [];
    for (let i = 0; i < 1000; i++) nodes.push({ key: `k${i}`, expiresAt: (i * 7919) % 1000 });
    for (const node of nodes) heap.push(node);
    heap.retain((node) => node.expiresAt % 3 === 0);
    const popped: number[] = [];
    for (let node = heap.pop(); node !== undefined; node = heap.pop()) popped.push(node.expiresAt);
    expect(popped).toEqual(
      nodes
        .map((node) => node.expiresAt)
        .filter((t) => t % 3 === 0)
        .sort((a, b) => a - b),
    );
  });
});
