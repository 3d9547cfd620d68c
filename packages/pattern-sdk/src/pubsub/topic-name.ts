// Topic names and filters: the documented character set and the wildcard rule.
//   topic:  1-255 characters, levels separated by `.`, each level of [A-Za-z0-9_:-]+
//   filter: a topic where a level may be `*` (exactly one level) and the last level may be `>`
//           (one or more levels). Publish takes topics only; Subscribe takes filters.
import { Code, ConnectError } from "@connectrpc/connect";

const level = "[A-Za-z0-9_:-]+";
const topicPattern = new RegExp(`^${level}(\\.${level})*$`);
const filterPattern = new RegExp(`^(${level}|\\*)(\\.(${level}|\\*))*(\\.>)?$|^>$`);

/** Throws INVALID_ARGUMENT unless `topic` is a valid topic (no wildcards). */
export function checkTopic(topic: string): void {
  if (topic.length === 0 || topic.length > 255 || !topicPattern.test(topic)) {
    throw new ConnectError(
      `invalid topic ${JSON.stringify(topic.slice(0, 100))}: use 1-255 characters, levels ` +
        `of letters, digits, '_', ':' or '-' separated by '.' (wildcards only in Subscribe)`,
      Code.InvalidArgument,
    );
  }
}

/** Throws INVALID_ARGUMENT unless `filter` is a valid topic filter. */
export function checkTopicFilter(filter: string): void {
  if (filter.length === 0 || filter.length > 255 || !filterPattern.test(filter)) {
    throw new ConnectError(
      `invalid topic filter ${JSON.stringify(filter.slice(0, 100))}: levels of letters, digits, '_', ':' ` +
        `or '-' separated by '.', where a level may be '*' (one level) and the last may be '>' (the rest)`,
      Code.InvalidArgument,
    );
  }
}

/** True when `filter` has a wildcard. */
export function isWildcard(filter: string): boolean {
  return filter === ">" || filter.endsWith(".>") || filter.split(".").includes("*");
}

/** Whether `topic` matches `filter` under the wildcard rule. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split(".");
  const t = topic.split(".");
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === ">") return t.length > i;
    if (i >= t.length) return false;
    if (part !== "*" && part !== t[i]) return false;
  }
  return f.length === t.length;
}
