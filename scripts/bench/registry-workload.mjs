// The Multicast Registry workload every registry target runs: 10,000 identities whose metadata is
// chosen so that the Enumerate filter matches exactly 1,000 of them and the Multicast filter exactly
// 100, the op names of the table, and a helper that runs a batch of calls a few at a time.

/** Identities registered in every namespace (and in each direct store) before any case runs. */
export const identityCount = 10_000;
/** Identities the Enumerate filter matches: one page of this many, with metadata. */
export const enumerateMatches = 1_000;
/** Listening identities the Multicast filter matches. */
export const multicastListeners = 100;
/** TTL of every registration, in milliseconds: longer than the whole bench, so nothing expires. */
export const registrationTtlMs = 600_000;
/** Registrations in flight while populating a registry. */
export const populateConcurrency = 64;

/** The `type` values, 2,000 identities each. */
const types = ["sensor", "gateway", "camera", "actuator", "display"];
/** The `zone` values, 1,000 identities each. */
const zones = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

/** The i-th identity (0 ≤ i < identityCount), "device-00000" … "device-09999". */
export const benchIdentity = (i) => `device-${String(i).padStart(5, "0")}`;

/**
 * Metadata of the i-th identity. zone = i mod 10, type = ⌊i/10⌋ mod 5, floor = ⌊i/50⌋ mod 10, so each
 * zone holds 1,000 identities, each type 2,000 (200 per floor), and zone, type and floor are independent.
 */
export function benchMetadata(i) {
  return {
    type: types[Math.floor(i / 10) % types.length],
    floor: Math.floor(i / 50) % 10,
    zone: zones[i % zones.length],
    tags: ["bench", `rack-${i % 4}`],
  };
}

/** Matches exactly 1,000 identities: 2,000 sensors, half of them on floors 5-9. */
export const enumerateFilter = { type: "sensor", floor: { $gte: 5 } };
/** Matches exactly 100 identities: those 1,000 sensors, one in ten of them in zone "c". */
export const multicastFilter = { type: "sensor", floor: { $gte: 5 }, zone: "c" };

/** The identities `filter` (enumerateFilter or multicastFilter) matches, computed here from the metadata rule. */
export function expectedMatches(filter) {
  const matches = [];
  for (let i = 0; i < identityCount; i++) {
    const m = benchMetadata(i);
    if (m.type === filter.type && m.floor >= filter.floor.$gte && (filter.zone === undefined || m.zone === filter.zone)) {
      matches.push(benchIdentity(i));
    }
  }
  return matches;
}

/** Table op names. */
export const registryOps = {
  enumerate: `Enumerate ${enumerateMatches.toLocaleString("en-US")} of ${identityCount.toLocaleString("en-US")} ×1 in flight`,
  multicast: `Multicast → ${multicastListeners} listeners ×1 in flight`,
  register: "Register (replace)",
  heartbeat: "Heartbeat",
};

/** Calls `call(i)` for i in [0, count) with `concurrency` in flight; rejects on the first failure. */
export async function forEachConcurrently(count, concurrency, call) {
  let next = 0;
  const worker = async () => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Throws unless an Enumerate page answered exactly `expected` identities of `expected` matches. */
export function checkPage(page, expected, where) {
  if (page.identities.length !== expected || page.totalCount !== expected) {
    throw new Error(
      `${where}: Enumerate returned ${page.identities.length} identities of ${page.totalCount} matches, expected ${expected}`,
    );
  }
}
