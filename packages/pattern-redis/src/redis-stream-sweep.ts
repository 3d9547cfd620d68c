// Sweeps what crashed instances left in a namespace's stream: a subscription that ends normally destroys
// its own group (ungrouped) or hands back its messages and deletes its consumer (grouped), but one whose
// proxy crashed cannot. Its key `…:sub:<id>` expires once nobody refreshes it, and then the sweep
// destroys its own group `s:<id>`, and deletes its consumer from a shared group once that consumer holds
// nothing pending (the other members claim what it held after ackWaitMs first). The `orphans` consumer
// is never deleted.
import type { RedisCommandClient } from "./redis-client.js";
import { ORPHANS_CONSUMER } from "./redis-stream-subscription.js";

/** What one sweep removed. */
export interface StreamSweepResult {
  /** Ungrouped subscriptions' groups destroyed. */
  groups: number;
  /** Consumers deleted from shared groups. */
  consumers: number;
}

/** Most groups (and consumers per group) one sweep looks at. */
const SWEEP_LIMIT = 1000;

/** The `name`-keyed fields of one XINFO GROUPS / XINFO CONSUMERS row. */
function fieldsOf(row: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!Array.isArray(row)) return fields;
  for (let index = 0; index + 1 < row.length; index += 2) fields.set(String(row[index]), row[index + 1]);
  return fields;
}

/** Removes the groups and consumers of subscriptions whose key `subscriptionKey(id)` is gone; see the file comment. */
export async function sweepStream(
  client: RedisCommandClient,
  key: string,
  subscriptionKey: (id: string) => string,
): Promise<StreamSweepResult> {
  const result: StreamSweepResult = { groups: 0, consumers: 0 };
  let groups: unknown[];
  try {
    groups = (await client.xinfo("GROUPS", key)) as unknown[];
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return result;
    throw error;
  }
  for (const row of groups.slice(0, SWEEP_LIMIT)) {
    const group = String(fieldsOf(row).get("name") ?? "");
    if (group.startsWith("s:")) {
      if ((await client.exists(subscriptionKey(group.slice(2)))) === 0) {
        await client.xgroup("DESTROY", key, group);
        result.groups++;
      }
      continue;
    }
    const consumers = (await client.xinfo("CONSUMERS", key, group)) as unknown[];
    for (const consumerRow of consumers.slice(0, SWEEP_LIMIT)) {
      const fields = fieldsOf(consumerRow);
      const name = String(fields.get("name") ?? "");
      if (name === ORPHANS_CONSUMER || Number(fields.get("pending")) !== 0) continue;
      if ((await client.exists(subscriptionKey(name))) === 0) {
        await client.xgroup("DELCONSUMER", key, group, name);
        result.consumers++;
      }
    }
  }
  return result;
}
