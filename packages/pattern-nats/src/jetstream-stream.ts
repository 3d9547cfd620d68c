// The namespace's JetStream stream: created at start with subjects "<prefix>.>", file storage and
// the configured retention, or updated when it exists without those subjects (others it has are
// kept), with another retention or another number of replicas.
import { type JetStreamManager, JetStreamApiCodes, JetStreamApiError, type StreamInfo } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";

/** What the stream should look like. */
export interface StreamSpec {
  /** Stream name. */
  name: string;
  /** Subject prefix; the stream captures "<prefix>.>". */
  prefix: string;
  /** Retention in milliseconds; 0 = no age limit. */
  maxAgeMs: number;
  /** Copies kept on a cluster (1 on a single server). */
  replicas: number;
}

/** Longest window in which a repeated publish id is recognised as a duplicate. */
const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/** Creates the stream, or updates its subjects and retention when they differ. Returns what the server reports. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<{ info: StreamInfo; action: string }> {
  const subjects = [`${spec.prefix}.>`];
  const maxAge = nanos(spec.maxAgeMs);
  const duplicateWindow = nanos(spec.maxAgeMs === 0 ? DUPLICATE_WINDOW_MS : Math.min(spec.maxAgeMs, DUPLICATE_WINDOW_MS));
  let existing: StreamInfo | undefined;
  try {
    existing = await jsm.streams.info(spec.name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
  }
  if (!existing) {
    const info = await jsm.streams.add({
      name: spec.name,
      subjects,
      storage: "file",
      retention: "limits",
      discard: "old",
      max_age: maxAge,
      duplicate_window: duplicateWindow,
      num_replicas: spec.replicas,
    });
    return { info, action: "created" };
  }
  const config = existing.config;
  const hasSubjects = subjects.every((subject) => config.subjects.includes(subject));
  if (hasSubjects && config.max_age === maxAge && config.duplicate_window === duplicateWindow && config.num_replicas === spec.replicas) {
    return { info: existing, action: "found" };
  }
  const info = await jsm.streams.update(spec.name, {
    ...config,
    subjects: [...new Set([...config.subjects, ...subjects])],
    max_age: maxAge,
    duplicate_window: duplicateWindow,
    num_replicas: spec.replicas,
  });
  return { info, action: "updated" };
}
