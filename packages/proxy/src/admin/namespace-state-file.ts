// The state file: the namespaces as changed through the admin API, kept beside the config file
// (prism.yaml → prism.state.json) so the changes survive a restart. Once it exists its namespaces
// replace prism.yaml's `namespaces` at start (prism.yaml seeds it at the first change), validated
// exactly like prism.yaml, with errors naming this file and the field. Written atomically (a temp
// file in the same folder, fsync, rename, fsync of the folder), mode 0600: it may hold backend
// credentials.
import { ConfigError, field } from "@prism/pattern-sdk";
import { parseConfig } from "@prism/pattern-sdk/host";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type NamespaceConfig, parseNamespace } from "../config/proxy-config.js";

/** The format version this proxy writes and reads. */
export const stateFileVersion = 1;

/** Schema of the state file's top level. */
const stateDocumentSchema = {
  version: field.integer("format version of the state file", { min: stateFileVersion, max: stateFileVersion }),
  savedBy: field.string("the proxy that wrote it", { default: "" }),
  savedAt: field.string("when it was written (ISO 8601)", { default: "" }),
  namespaces: field.raw("namespace name → its mapping, as prism.yaml's namespaces"),
} as const;

/** The state file of one proxy. */
export class NamespaceStateFile {
  constructor(
    /** Absolute path of the file. */
    readonly path: string,
    /** Written into the file as `savedBy`. */
    private readonly writer: string,
  ) {}

  /** The namespaces it holds, validated like prism.yaml's; undefined when there is no file yet. */
  read(baseDir: string): Map<string, NamespaceConfig> | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new ConfigError({
        file: this.path,
        field: "",
        expected: "a readable state file",
        problem: `cannot read the state file: ${(error as Error).message}`,
      });
    }
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (error) {
      throw new ConfigError({ file: this.path, field: "", expected: "JSON", problem: `not valid JSON: ${(error as Error).message}` });
    }
    const document = parseConfig(stateDocumentSchema, input, { file: this.path });
    const raw = document.namespaces;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new ConfigError({ file: this.path, field: "namespaces", expected: "a mapping of namespace name to its APIs", got: raw });
    }
    const namespaces = new Map<string, NamespaceConfig>();
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      namespaces.set(name, parseNamespace(name, value, { file: this.path, path: `namespaces.${name}`, baseDir }));
    }
    return namespaces;
  }

  /** Replaces the file's content with `namespaces` (name → mapping), atomically; resolves once it is on disk. */
  async save(namespaces: Readonly<Record<string, unknown>>): Promise<void> {
    const document = { version: stateFileVersion, savedBy: this.writer, savedAt: new Date().toISOString(), namespaces };
    const text = `${JSON.stringify(document, null, 2)}\n`;
    const folder = dirname(this.path);
    const temp = join(folder, `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.chmod(0o600); // exactly 0600, whatever the umask
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncFolder(folder);
  }
}

/** Flushes a folder's entries (the rename) to disk; skipped where folders cannot be opened for that. */
async function syncFolder(folder: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(folder, "r");
    await handle.sync();
  } catch {
    // Some platforms and file systems refuse fsync on a folder; the file itself is synced.
  } finally {
    await handle?.close();
  }
}
