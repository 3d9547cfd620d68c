// The snapshot file of a proxy whose namespaces live in a NATS bucket: the last namespaces it read
// and their revision, written atomically (temp file, rename, mode 0600: mappings may hold backend
// credentials), so that a proxy starting while NATS is down can serve what it served before.
import { readFileSync, renameSync, writeFileSync } from "node:fs";

/** What the snapshot holds. */
export interface NamespaceSnapshot {
  /** The bucket revision the namespaces are at. */
  revision: number;
  /** Namespace name → its mapping (as prism.yaml has it). */
  namespaces: Record<string, unknown>;
}

/** Reads the snapshot; undefined when there is none; throws naming the file when it is not one. */
export function readNamespaceSnapshot(path: string): NamespaceSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read the namespace snapshot ${path}: ${(error as Error).message}`);
  }
  const parsed = JSON.parse(text) as Partial<NamespaceSnapshot>;
  if (typeof parsed.revision !== "number" || typeof parsed.namespaces !== "object" || parsed.namespaces === null) {
    throw new Error(`${path} is not a namespace snapshot ({ revision, namespaces }); delete it to start without one`);
  }
  return { revision: parsed.revision, namespaces: parsed.namespaces };
}

/** Writes the snapshot atomically with mode 0600. */
export function writeNamespaceSnapshot(path: string, snapshot: NamespaceSnapshot): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
