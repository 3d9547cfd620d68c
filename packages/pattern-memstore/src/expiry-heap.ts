// ExpiryHeap: a binary min-heap of scheduled expiries ordered by time, so removing everything that
// has expired costs O(k log n) for k expired keys. Deletion is lazy: the owner recognises stale
// nodes (their key was deleted or rewritten) when they surface, and drops them in bulk with retain().

/** One scheduled expiry: `key` expires at `expiresAt` (clock milliseconds). */
export interface ExpiryNode {
  /** The key that expires. */
  readonly key: string;
  /** When it expires, in clock milliseconds. */
  readonly expiresAt: number;
}

/** Binary min-heap of expiry nodes, earliest first. */
export class ExpiryHeap {
  private nodes: ExpiryNode[] = [];

  /** Number of nodes, stale ones included. */
  get size(): number {
    return this.nodes.length;
  }

  /** Adds a node. */
  push(node: ExpiryNode): void {
    this.nodes.push(node);
    this.siftUp(this.nodes.length - 1);
  }

  /** The earliest node, without removing it. */
  peek(): ExpiryNode | undefined {
    return this.nodes[0];
  }

  /** Removes and returns the earliest node. */
  pop(): ExpiryNode | undefined {
    const nodes = this.nodes;
    const top = nodes[0];
    const last = nodes.pop();
    if (nodes.length > 0 && last !== undefined) {
      nodes[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Keeps only the nodes for which `keep` is true, in O(n). */
  retain(keep: (node: ExpiryNode) => boolean): void {
    this.nodes = this.nodes.filter(keep);
    for (let i = (this.nodes.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(index: number): void {
    const nodes = this.nodes;
    const node = nodes[index]!;
    while (index > 0) {
      const parent = (index - 1) >>> 1;
      if (nodes[parent]!.expiresAt <= node.expiresAt) break;
      nodes[index] = nodes[parent]!;
      index = parent;
    }
    nodes[index] = node;
  }

  private siftDown(index: number): void {
    const nodes = this.nodes;
    const length = nodes.length;
    const node = nodes[index]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && nodes[child + 1]!.expiresAt < nodes[child]!.expiresAt) child++;
      if (nodes[child]!.expiresAt >= node.expiresAt) break;
      nodes[index] = nodes[child]!;
      index = child;
    }
    nodes[index] = node;
  }
}
