// Redis channel names of PubSub topics, `<keyPrefix>ps:<topic>` (so namespaces sharing one Redis never
// see each other's messages), and the glob a wildcard filter PSUBSCRIBEs: a superset of the filter
// (Redis `*` also matches dots), narrowed locally with topicMatches.
import { escapeRedisGlob } from "./escape-redis-glob.js";

/** What follows the namespace key prefix in every PubSub channel name. */
export const PUBSUB_CHANNEL_INFIX = "ps:";

/** The part of every PubSub channel name before the topic: `<keyPrefix>ps:`. */
export function pubSubChannelPrefix(keyPrefix: string): string {
  return keyPrefix + PUBSUB_CHANNEL_INFIX;
}

/** The Redis glob for a wildcard `filter`: the escaped channel prefix, literal levels escaped, `*` and `>` levels as `*`. */
export function filterGlob(channelPrefix: string, filter: string): string {
  const levels = filter.split(".").map((level) => (level === "*" || level === ">" ? "*" : escapeRedisGlob(level)));
  return escapeRedisGlob(channelPrefix) + levels.join(".");
}

/** The topic a channel under `channelPrefix` carries, or undefined for a channel outside it. */
export function channelTopic(channelPrefix: string, channel: string): string | undefined {
  if (!channel.startsWith(channelPrefix) || channel.length === channelPrefix.length) return undefined;
  return channel.slice(channelPrefix.length);
}
