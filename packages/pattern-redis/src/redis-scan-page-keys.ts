// ScanPageKeys: what both KeyValue scans (RedisKeyValue on one server, RedisClusterKeyValue across masters) do
// with the SCAN replies of one page: start from the keys the cursor carried (re-read before they are
// returned), add every key under the scanned prefix once, double the COUNT hint while the prefix is sparse
// (bounded, so a dense stretch cannot bloat the cursor), and split what was found into the page and the
// keys carried on in the next cursor. Where SCAN runs, and the cursor's shape, stay with each scan.
import { escapeRedisGlob } from "./escape-redis-glob.js";

/** Most SCAN calls one page may make; a sparse prefix then returns a short page with a cursor, so a call stays bounded. */
export const MAX_SCAN_CALLS_PER_PAGE = 256;

/** Smallest COUNT hint sent with SCAN. */
export const MIN_SCAN_COUNT = 10;

/** The keys of one Scan page as SCAN replies bring them; see the file comment. */
export class ScanPageKeys {
  /** The MATCH glob of the scanned prefix under the namespace prefix. */
  readonly match: string;
  /** Keys that came from the cursor, not from SCAN: they must be re-read before they are returned. */
  readonly carried: ReadonlySet<string>;
  private readonly found: string[];
  private readonly seen: Set<string>;
  private readonly storedPrefix: string;
  private readonly countCap: number;
  private count: number;

  /** A page of at most `limit` keys under `prefix`, starting with the `pending` keys of the cursor. */
  constructor(
    private readonly keyPrefix: string,
    prefix: string,
    pending: readonly string[],
    private readonly limit: number,
  ) {
    this.found = [...new Set(pending)];
    this.carried = new Set(this.found);
    this.seen = new Set(this.found);
    this.storedPrefix = keyPrefix + prefix;
    this.match = `${escapeRedisGlob(this.storedPrefix)}*`;
    this.countCap = Math.max(limit * 8, 100);
    this.count = Math.max(limit, MIN_SCAN_COUNT);
  }

  /** Whether the page may take another SCAN call (`calls` made so far): not full, and within the per-page bound. */
  wants(calls: number): boolean {
    return this.found.length < this.limit && calls < MAX_SCAN_CALLS_PER_PAGE;
  }

  /** The COUNT hint of the next SCAN call. */
  get countHint(): number {
    return this.count;
  }

  /** Takes the keys of one SCAN reply (stored names); a page still short after it asks for more per call. */
  add(storedKeys: readonly string[]): void {
    for (const stored of storedKeys) {
      const key = stored.slice(this.keyPrefix.length);
      if (!stored.startsWith(this.storedPrefix) || this.seen.has(key)) continue;
      this.seen.add(key);
      this.found.push(key);
    }
    if (this.found.length < this.limit) this.count = Math.min(this.count * 2, this.countCap);
  }

  /** The page's keys (at most `limit`) and the keys found beyond it, which the next cursor carries. */
  split(): { keys: string[]; pending: string[] } {
    return { keys: this.found.slice(0, this.limit), pending: this.found.slice(this.limit) };
  }
}
