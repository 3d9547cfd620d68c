// How Prism names map to NATS names: the subject prefix and stream of a namespace, topic <-> subject
// (Prism topic filters use NATS wildcard syntax, so a filter maps level for level), and the
// durable consumer name of a group.
import { createHash } from "node:crypto";

/** The subject prefix of `namespace`: `subjectPrefix`, or "prism.<namespace>" when it is empty. */
export function resolveSubjectPrefix(subjectPrefix: string, namespace: string): string {
  return subjectPrefix === "" ? `prism.${namespace}` : subjectPrefix;
}

/** The stream of `namespace`: `stream`, or "PRISM_<NAMESPACE>" (uppercased, "-" as "_") when it is empty. */
export function resolveStreamName(stream: string, namespace: string): string {
  return stream === "" ? `PRISM_${namespace.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}` : stream;
}

/** The subject of topic (or topic filter) `topic` under `prefix`. */
export function topicSubject(prefix: string, topic: string): string {
  return `${prefix}.${topic}`;
}

/** The topic of `subject` under `prefix` (the subject itself if it is not under the prefix). */
export function subjectTopic(prefix: string, subject: string): string {
  return subject.startsWith(`${prefix}.`) ? subject.slice(prefix.length + 1) : subject;
}

/**
 * The durable consumer of `group` reading `filter`: the group name plus a short hash of the filter,
 * because a NATS consumer has one filter and the same group may subscribe to several.
 */
export function durableName(group: string, filter: string): string {
  const sanitized = group.replace(/[^A-Za-z0-9_-]/g, "_");
  const hash = createHash("sha256").update(filter).digest("hex").slice(0, 10);
  return `${sanitized}_${hash}`;
}
