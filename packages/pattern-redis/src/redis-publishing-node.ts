// The connection a PUBLISH goes to. On one server: the command client. On a Redis Cluster, ioredis would
// send each keyless command such as PUBLISH to a random node, so messages published one after the other
// on a topic could overtake each other on their way through the cluster bus. Instead every PUBLISH on a
// channel goes to the master that owns the channel's hash slot in the cluster's slot table, the same
// node for every instance on every proxy, so a topic keeps its publish order and topics spread over masters.
import { Cluster } from "ioredis";
import type { RedisCommandClient } from "./redis-client.js";
import { clusterNodeKey } from "./redis-cluster-client.js";
import { keySlot } from "./redis-key-slot.js";

/** The client to PUBLISH `channel` on; see the file comment. Falls back to the cluster client while the slot table is unknown. */
export function publishingNode(client: RedisCommandClient, channel: string): RedisCommandClient {
  if (!(client instanceof Cluster)) return client;
  const owner = client.slots[keySlot(channel)]?.[0];
  if (owner === undefined) return client;
  return client.nodes("master").find((node) => clusterNodeKey(node) === owner) ?? client;
}
